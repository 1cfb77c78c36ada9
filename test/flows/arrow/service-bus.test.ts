import type { ServiceBusMessage } from '@azure/service-bus';
import { ARROW_STREAM_CONTENT_TYPE, FormatError, fromMessage, schemaFingerprint, toMessage, toMessages } from 'tributary/flows/arrow';
import { ALL_ROWS, ALL_TYPES, batchesOf, rowsIn } from './fixtures';

describe('toMessage (Service Bus)', () => {
  it('packs a batch as one Arrow IPC stream body that decodes back to the same rows', async () => {
    const [batch] = await batchesOf(ALL_ROWS, { schema: ALL_TYPES, table: 'dbo.things' });
    const message: ServiceBusMessage = toMessage(batch!, { messageId: 'stream-1:42', subject: 'dbo.things', applicationProperties: { op: 'c' } });
    expect(message.contentType).toBe('application/vnd.apache.arrow.stream');
    expect(Buffer.isBuffer(message.body)).toBe(true);
    expect(message.messageId).toBe('stream-1:42');
    expect(message.applicationProperties).toEqual({
      rows: 3,
      schemaFingerprint: schemaFingerprint(batch!.schema),
      table: 'dbo.things',
      op: 'c',
    });
    const back = await fromMessage({ body: message.body, contentType: message.contentType });
    expect(rowsIn(back)).toEqual(ALL_ROWS);
    expect(schemaFingerprint(back[0]!.schema)).toBe(schemaFingerprint(batch!.schema));
  });

  it('refuses a body over maxBodyBytes, and toMessages splits until every part fits', async () => {
    const rows = Array.from({ length: 1_000 }, (_, i) => ({ id: i, text: `row ${i} `.repeat(10) }));
    const [batch] = await batchesOf(rows, { inferFrom: 'first', maxRows: 1_000 });
    expect(() => toMessage(batch!, { maxBodyBytes: 16 * 1024 })).toThrow(FormatError);
    expect(() => toMessage(batch!, { maxBodyBytes: 16 * 1024 })).toThrow(/a batch of 1000 rows is \d+ bytes as an Arrow IPC stream, more than maxBodyBytes 16384/);
    const parts = toMessages(batch!, { maxBodyBytes: 16 * 1024, messageId: 'm' });
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.body.byteLength <= 16 * 1024)).toBe(true);
    expect(parts.map((p) => p.messageId)).toEqual(parts.map((_, i) => `m-${i}`));
    const back = (await Promise.all(parts.map((p) => fromMessage(p)))).flat();
    expect(rowsIn(back)).toEqual(rows);
    expect(() => toMessages(batch!, { maxBodyBytes: 10 })).toThrow('a batch of 1 rows');
  });

  it('fromMessage refuses other content types and non-byte bodies', async () => {
    await expect(fromMessage({ body: '{}', contentType: 'application/json' })).rejects.toThrow(
      `fromMessage: contentType must be ${ARROW_STREAM_CONTENT_TYPE}, got application/json`,
    );
    await expect(fromMessage({ body: { a: 1 } })).rejects.toThrow('fromMessage: the body must be bytes (a Buffer), got object');
  });
});
