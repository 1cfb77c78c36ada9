/** docs/lake.md's examples, run as written (with a temporary folder for './lake'). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sink, Source } from 'tributary';
import {
  FormatRegistry, builtInFormats, decodeBatches, encodeBatches, formats, fromMessage, parquetFormat, rowsOf, toMessage,
  toMessages, toRecordBatches,
} from 'tributary/flows/arrow';
import { lakeSink, localStore } from 'tributary/sinks/blob';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lake-doc-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rows = [{ id: '1', amount: '9.90' }, { id: '2', amount: '19.90' }];

describe('docs/lake.md', () => {
  it('quick start: rows → Parquet under data/{streamId}/{table}/{yyyy}/{MM}/{dd}/', async () => {
    const summary = await Source.from(rows)
      .via(toRecordBatches({ inferFrom: 'first', table: 'dbo.orders', maxRows: 10_000 }))
      .runWith(lakeSink({ store: localStore(dir), format: 'parquet', streamId: 'orders' }));
    expect(summary.lastFile).toMatch(/^data\/orders\/dbo\.orders\/\d{4}\/\d\d\/\d\d\/part-[0-9a-f-]+\.parquet$/);
    const store = localStore(dir);
    const path = summary.lastFile!;
    const back = await decodeBatches(formats.forPath(path), await store.read(path));
    expect(back.flatMap((b) => [...rowsOf(b)])).toEqual(rows);
  });

  it('formats: by name, by extension, replaced settings, a private registry', async () => {
    const batches = await Source.from(rows).via(toRecordBatches({ inferFrom: 'first' })).runWith(Sink.seq());
    expect(formats.get('parquet').name).toBe('parquet');
    expect(formats.forPath('lake/t/part-1.arrows').name).toBe('arrow-ipc-stream');
    const registry = new FormatRegistry(builtInFormats).register(parquetFormat({ compression: 'zstd' }), { replace: true });
    const bytes = encodeBatches(registry.get('parquet'), batches);
    expect((await decodeBatches(registry.forPath('x.parquet'), bytes)).flatMap((b) => [...rowsOf(b)])).toEqual(rows);
  });

  it('Service Bus: toMessage, toMessages and fromMessage', async () => {
    const [batch] = await Source.from(rows).via(toRecordBatches({ inferFrom: 'first', table: 'dbo.orders' })).runWith(Sink.seq());
    const message = toMessage(batch!, { messageId: 'orders:1', maxBodyBytes: 1024 * 1024 });
    expect(message).toMatchObject({ contentType: 'application/vnd.apache.arrow.stream', applicationProperties: { rows: 2, table: 'dbo.orders' } });
    expect(toMessages(batch!, { maxBodyBytes: 256 * 1024 })).toHaveLength(1);
    const [back] = await fromMessage(message);
    expect([...rowsOf(back!)]).toEqual(rows);
  });
});

