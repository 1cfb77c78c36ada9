import { CheckpointFormatError } from 'tributary';
import { CheckpointCodec } from '../../src/state/document';

describe('checkpoint documents', () => {
  const codec = new CheckpointCodec<{ offset: number }>('test', { version: 2 });

  it('writes the schema version next to the value, as JSON', () => {
    expect(JSON.parse(codec.encode({ offset: 5 }))).toEqual({ schemaVersion: 2, value: { offset: 5 } });
  });

  it.each([
    ['not JSON', '{"schemaVersion": 2, "value"', /is not valid JSON/],
    ['empty', '', /is not valid JSON/],
    ['not a document', '[1,2]', /missing schemaVersion or value/],
    ['no value', '{"schemaVersion":2}', /missing schemaVersion or value/],
    ['bad schemaVersion', '{"schemaVersion":"2","value":1}', /invalid schemaVersion "2"/],
    ['newer', '{"schemaVersion":3,"value":1}', /schema version 3, but this program reads up to version 2/],
    ['older without upgrade', '{"schemaVersion":1,"value":1}', /schema version 1, older than this program's version 2/],
  ])('refuses %s with a CheckpointFormatError naming key and location', (_, text, message) => {
    const error = (() => {
      try {
        codec.decode(text, 'orders', '/data/orders.json');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect(error).toMatchObject({ key: 'orders', location: '/data/orders.json' });
    expect((error as Error).message).toMatch(/^checkpoint 'orders' \(\/data\/orders.json\) /);
    expect((error as Error).message).toMatch(message);
  });

  it('passes the original value and version to upgrade', () => {
    const upgrade = jest.fn((v: unknown, from: number) => ({ offset: (v as { lsn: number }).lsn * 10 + from }));
    const upgrading = new CheckpointCodec('test', { version: 2, upgrade });
    expect(upgrading.decode('{"schemaVersion":1,"value":{"lsn":4}}', 'k', 'mem')).toEqual({ offset: 41 });
    expect(upgrade).toHaveBeenCalledWith({ lsn: 4 }, 1);
  });

  it('validates the schema version', () => {
    expect(() => new CheckpointCodec('FileCheckpointStore', { version: 0 })).toThrow(
      'FileCheckpointStore: schema.version must be a positive integer, got 0',
    );
  });
});
