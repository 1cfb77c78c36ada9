import type { RecordBatch } from 'apache-arrow';
import { Keep, Sink, Source, StageFailure, rootCause } from 'tributary';
import { TestClock, TestSink, TestSource, expectBounded } from 'tributary/testing';
import {
  CHANGE_EVENT_COLUMNS, RecordBatchSchemaError, SchemaChangedError, fromRecordBatches, rowsOf, schemaFingerprint,
  tableOfSchema, toRecordBatches, toRecordBatchesWithContext, type SchemaChange,
} from 'tributary/flows/arrow';
import { ALL_ROWS, ALL_TYPES, batchesOf, rowsIn } from './fixtures';

const types = (b: RecordBatch) => b.schema.fields.map((f) => `${f.name}: ${String(f.type)}`);

describe('toRecordBatches', () => {
  it('stores every supported type losslessly and reads it back with fromRecordBatches', async () => {
    const batches = await batchesOf(ALL_ROWS, { schema: ALL_TYPES, maxRows: 2 });
    expect(batches.map((b) => b.numRows)).toEqual([2, 1]);
    expect(types(batches[0]!)).toEqual([
      'id: Int64', 'flag: Bool', 'tiny: Int8', 'small: Int16', 'int: Int32', 'big: Int64', 'f32: Float32', 'f64: Float64',
      'text: Utf8', 'bytes: Binary', 'day: Date32<DAY>', 'amount: Decimal[9e+2]', 'huge: Decimal[38e+10]', 'huge_text: Utf8',
      'ts_utc: Timestamp<MICROSECOND, UTC>', 'ts_oslo: Timestamp<NANOSECOND, Europe/Oslo>', 'ts_offset: Timestamp<MILLISECOND, +05:30>',
      'ts_wall: Timestamp<SECOND>', 'nothing: Null',
    ]);
    expect(batches[0]!.schema.fields[0]!.nullable).toBe(false);
    expect(rowsIn(batches)).toEqual(ALL_ROWS);
    const viaFlow = await Source.from(batches).via(fromRecordBatches()).runWith(Sink.seq());
    expect(viaFlow).toEqual(ALL_ROWS);
  });

  it('accepts the lossless input forms: bigints, safe numbers, Dates, offsets, base64, numbers for decimals', async () => {
    const [batch] = await batchesOf(
      [{ id: 2n ** 62n, n: 12, amount: 12.5, at: '2024-03-01T12:00:00.5+02:00', at2: new Date(Date.UTC(2024, 0, 1)), wall: '2024-03-01 08:15:30.250', bin: 'AAEC/w==', day: new Date(Date.UTC(2020, 1, 29)) }],
      {
        schema: [
          { name: 'id', type: 'int64' },
          { name: 'n', type: 'int64' },
          { name: 'amount', type: { type: 'decimal', precision: 5, scale: 2 } },
          { name: 'at', type: { type: 'timestamp', unit: 'ms', timezone: 'UTC' } },
          { name: 'at2', type: { type: 'timestamp', unit: 'us', timezone: 'UTC' } },
          { name: 'wall', type: { type: 'timestamp', unit: 'ms' } },
          { name: 'bin', type: 'binary' },
          { name: 'day', type: 'date' },
        ],
      },
    );
    expect([...rowsOf(batch!)]).toEqual([
      {
        id: '4611686018427387904',
        n: '12',
        amount: '12.50',
        at: '2024-03-01T10:00:00.500Z',
        at2: '2024-01-01T00:00:00.000000Z',
        wall: '2024-03-01T08:15:30.250',
        bin: Uint8Array.from([0, 1, 2, 255]),
        day: '2020-02-29',
      },
    ]);
    expect([...rowsOf(batch!, { int64: 'bigint', timestamps: 'epoch', binary: 'base64' })][0]).toMatchObject({
      id: 2n ** 62n,
      at: 1709287200500n,
      bin: 'AAEC/w==',
    });
    expect([...rowsOf(batch!, { int64: 'bigint', timestamps: 'date' })][0]).toMatchObject({ n: 12n, at: new Date('2024-03-01T10:00:00.500Z') });
    expect(() => [...rowsOf(batch!, { int64: 'number' })]).toThrow("rowsOf: field 'id' value 4611686018427387904 is beyond ±2^53; use int64: 'string' or 'bigint'");
  });

  it.each([
    [{ id: 1.5 }, 'int64', "field 'id' (Int64) expected a 64-bit integer"],
    [{ id: '12a' }, 'int64', 'got "12a"'],
    [{ id: '9223372036854775808' }, 'int64', 'got "9223372036854775808"'],
    [{ id: '1.234' }, { type: 'decimal', precision: 5, scale: 2 }, 'at most 2 after the point'],
    [{ id: '12345.6' }, { type: 'decimal', precision: 5, scale: 2 }, 'at most 5 digits'],
    [{ id: 0.1 + 0.2 }, { type: 'decimal', precision: 5, scale: 2 }, 'got 0.30000000000000004'],
    [{ id: '2024-01-01T00:00:00' }, { type: 'timestamp', unit: 'ms', timezone: 'UTC' }, "an instant (ISO-8601 text with 'Z' or an offset"],
    [{ id: '2024-01-01T00:00:00Z' }, { type: 'timestamp', unit: 'ms' }, 'a wall-clock time'],
    [{ id: '2024-01-01T00:00:00.0001Z' }, { type: 'timestamp', unit: 'ms', timezone: 'UTC' }, 'without digits finer than ms'],
    [{ id: 'not base64!' }, 'binary', 'bytes (Uint8Array/Buffer) or base64 text'],
    [{ id: 7 }, 'utf8', "field 'id' (Utf8) expected a string, got 7"],
    [{ id: 300 }, 'int8', 'an integer number in [-128, 127]'],
    [{ id: '2023-02-29' }, 'date', "a calendar date 'YYYY-MM-DD'"],
  ] as const)('refuses %j for a %j column, naming the field and what it expected', async (row, type, message) => {
    const failure = await batchesOf([row], { schema: [{ name: 'id', type: type as never }] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StageFailure);
    expect((failure as StageFailure).stage).toBe('toRecordBatches');
    const cause = rootCause(failure) as RecordBatchSchemaError;
    expect(cause).toBeInstanceOf(RecordBatchSchemaError);
    expect(cause.field).toBe('id');
    expect(cause.message).toContain('element #0');
    expect(cause.message).toContain(message);
  });

  it('refuses nulls in non-nullable fields, unknown fields (unless ignored) and non-object rows', async () => {
    const schema = [{ name: 'id', type: 'int64', nullable: false }] as const;
    const missing = rootCause(await batchesOf([{ id: 1 }, {}], { schema }).catch((e: unknown) => e)) as Error;
    expect(missing.message).toBe("toRecordBatches: element #1: field 'id' is not nullable, got no value");
    const unknown = rootCause(await batchesOf([{ id: 1, extra: 2 }], { schema }).catch((e: unknown) => e)) as Error;
    expect(unknown.message).toContain("has field 'extra', which the schema does not have (id); add it to the schema, or set unknownFields: 'ignore'");
    const ignored = await batchesOf([{ id: 1, extra: 2 }], { schema, unknownFields: 'ignore' });
    expect(rowsIn(ignored)).toEqual([{ id: '1' }]);
    const notRow = rootCause(await batchesOf([42], { schema }).catch((e: unknown) => e)) as Error;
    expect(notRow.message).toContain('element #0 must be a plain object (a row) or a change event, got 42');
  });

  it('validates its options when the blueprint is created', () => {
    expect(() => toRecordBatches({})).toThrow("give exactly one of schema, inferFrom: 'first' or columnsFn (got 0)");
    expect(() => toRecordBatches({ inferFrom: 'first', schema: [] })).toThrow('(got 2)');
    expect(() => toRecordBatches({ inferFrom: 'first', maxRows: 0 })).toThrow('maxRows must be a positive integer, got 0');
    expect(() => toRecordBatches({ schema: [{ name: 'x', type: 'int128' as never }] })).toThrow("column 'x': unsupported column type \"int128\"");
    expect(() => toRecordBatches({ schema: [{ name: 'x', type: { type: 'decimal', precision: 40, scale: 2 } }] })).toThrow(
      "a decimal needs an integer precision 1-38 and scale 0-precision, got precision 40, scale 2 (write larger decimals as 'utf8' text)",
    );
    expect(() => toRecordBatches({ schema: [{ name: 'x', type: 'utf8' }, { name: 'x', type: 'utf8' }] })).toThrow("column 'x' is declared twice");
  });

  describe('schema changes (inferFrom: first)', () => {
    it('starts a new batch with the new schema and reports what changed; values are never coerced', async () => {
      const changes: SchemaChange[] = [];
      const rows = [
        { id: 1, name: 'a' },
        { name: 'b', id: 2 }, // same fields, another key order: no change
        { id: 3, name: null }, // null fits any type
        { id: '4', name: 'd' }, // id is text now
        { id: '5', name: 'e', active: true }, // a new field
        { id: '6', active: false }, // name removed
      ];
      const batches = await batchesOf(rows, { inferFrom: 'first', onSchemaChange: (c) => changes.push(c) });
      expect(batches.map((b) => b.numRows)).toEqual([3, 1, 1, 1]);
      expect(batches.map(types)).toEqual([
        ['id: Float64', 'name: Utf8'],
        ['id: Utf8', 'name: Utf8'],
        ['id: Utf8', 'name: Utf8', 'active: Bool'],
        ['id: Utf8', 'active: Bool'],
      ]);
      expect(changes.map((c) => [c.reason, c.element])).toEqual([
        ["field 'id' changed from Float64 to Utf8", 3],
        ["field 'active' (Bool) was added", 4],
        ["field 'name' (Utf8) was removed", 5],
      ]);
      expect(schemaFingerprint(changes[0]!.previous)).toBe(schemaFingerprint(batches[0]!.schema));
      expect(schemaFingerprint(changes[0]!.next)).toBe(schemaFingerprint(batches[1]!.schema));
      expect(new Set(batches.map((b) => schemaFingerprint(b.schema))).size).toBe(4);
      expect(rowsIn(batches)).toEqual([
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
        { id: 3, name: null },
        { id: '4', name: 'd' },
        { id: '5', name: 'e', active: true },
        { id: '6', active: false },
      ]);
    });

    it('a field seen only as null is a Null column until a value arrives, which is a schema change', async () => {
      const batches = await batchesOf([{ a: 1, b: null }, { a: 2, b: null }, { a: 3, b: 'x' }, { a: 4, b: null }], { inferFrom: 'first' });
      expect(batches.map(types)).toEqual([['a: Float64', 'b: Null'], ['a: Float64', 'b: Utf8']]);
      expect(batches.map((b) => b.numRows)).toEqual([2, 2]);
    });

    it("fails with SchemaChangedError under schemaChange: 'fail'", async () => {
      const failure = await batchesOf([{ a: 1 }, { a: 'x' }], { inferFrom: 'first', schemaChange: 'fail' }).catch((e: unknown) => e);
      const cause = rootCause(failure) as SchemaChangedError;
      expect(cause).toBeInstanceOf(SchemaChangedError);
      expect(cause.message).toBe("toRecordBatches: the schema changed at element #1: field 'a' changed from Float64 to Utf8");
      expect(cause.previousFingerprint).not.toBe(cause.nextFingerprint);
    });

    it('refuses values it cannot infer a type for, naming the field', async () => {
      const cause = rootCause(await batchesOf([{ a: { nested: 1 } }], { inferFrom: 'first' }).catch((e: unknown) => e)) as Error;
      expect(cause.message).toContain("cannot infer an Arrow type for field 'a' from object {nested}");
    });
  });

  describe('change events', () => {
    const event = (op: 'c' | 'u' | 'd', lsn: string, table: string, row: Record<string, unknown>) => ({
      op,
      before: op === 'd' ? row : null,
      after: op === 'd' ? null : row,
      key: { id: row['id'] },
      source: { server: 's', database: 'shop', schema: 'dbo', table, commitLsn: lsn, seqval: `${lsn}-1`, commitTime: new Date(Date.UTC(2024, 0, 1)) },
      id: `shop:dbo_${table}:${lsn}:${op}`,
    });

    it('flattens metadata columns then the row image (before for deletes), with the table in the schema', async () => {
      const batches = await batchesOf([event('c', '0x01', 'orders', { id: '1', qty: 2 }), event('d', '0x02', 'orders', { id: '1', qty: 2 })], {
        inferFrom: 'first',
      });
      expect(batches).toHaveLength(1);
      expect(batches[0]!.schema.fields.map((f) => f.name)).toEqual([...CHANGE_EVENT_COLUMNS.map((c) => c.name), 'id', 'qty']);
      expect(tableOfSchema(batches[0]!.schema)).toBe('dbo.orders');
      expect(rowsIn(batches)).toEqual([
        { op: 'c', commit_lsn: '0x01', seqval: '0x01-1', commit_time: '2024-01-01T00:00:00.000Z', source_table: 'dbo.orders', event_id: 'shop:dbo_orders:0x01:c', id: '1', qty: 2 },
        { op: 'd', commit_lsn: '0x02', seqval: '0x02-1', commit_time: '2024-01-01T00:00:00.000Z', source_table: 'dbo.orders', event_id: 'shop:dbo_orders:0x02:d', id: '1', qty: 2 },
      ]);
    });

    it('uses columnsFn per table; another table is another schema (a new batch)', async () => {
      const byTable: Record<string, readonly { name: string; type: 'int64' | 'utf8' }[]> = {
        orders: [{ name: 'id', type: 'int64' }],
        customers: [{ name: 'id', type: 'int64' }, { name: 'name', type: 'utf8' }],
      };
      const changes: string[] = [];
      const batches = await batchesOf(
        [event('c', '1', 'orders', { id: '1' }), event('c', '2', 'orders', { id: '2' }), event('c', '3', 'customers', { id: '1', name: 'x' })],
        { columnsFn: (e: { source: { table: string } }) => byTable[e.source.table]!, onSchemaChange: (c) => changes.push(c.reason) },
      );
      expect(batches.map((b) => [tableOfSchema(b.schema), b.numRows])).toEqual([['dbo.orders', 2], ['dbo.customers', 1]]);
      expect(changes).toEqual(["field 'name' (Utf8) was added"]);
      expect(rowsIn(batches).map((r) => r['id'])).toEqual(['1', '2', '1']);
    });

    it('refuses an image column that clashes with a metadata column', async () => {
      const cause = rootCause(await batchesOf([event('c', '1', 't', { op: 'x' })], { inferFrom: 'first' }).catch((e: unknown) => e)) as Error;
      expect(cause.message).toContain("the row image has a column 'op', which clashes with a change-event metadata column");
    });
  });

  describe('batching', () => {
    it('emits at maxRows, at maxBytes, and the rest when upstream completes', async () => {
      const rows = Array.from({ length: 25 }, (_, i) => ({ id: i, text: 'x'.repeat(100) }));
      expect((await batchesOf(rows, { inferFrom: 'first', maxRows: 10 })).map((b) => b.numRows)).toEqual([10, 10, 5]);
      // 8 (float64) + 100 + 4 (offset) = 112 bytes per row: 560 bytes hold 5 rows
      expect((await batchesOf(rows, { inferFrom: 'first', maxBytes: 560 })).map((b) => b.numRows)).toEqual([5, 5, 5, 5, 5]);
    });

    it('emits a partial batch maxDelayMs after its first row (virtual time)', () => {
      const clock = new TestClock();
      const [src, sink] = TestSource.probe<{ id: number }>()
        .via(toRecordBatches({ inferFrom: 'first', maxRows: 100, maxDelayMs: 500 }))
        .toMat(TestSink.probe<RecordBatch>(clock), Keep.both)
        .run(clock.materializer());
      sink.request(5);
      src.sendNext({ id: 1 });
      sink.expectNoMessage(300);
      src.sendNext({ id: 2 });
      sink.expectNoMessage(199);
      clock.advance(1);
      const [first] = sink.expectNextN(1);
      expect([...rowsOf(first!)]).toEqual([{ id: 1 }, { id: 2 }]);
      src.sendNext({ id: 3 }); // a new window starts with the next row
      sink.expectNoMessage(499);
      clock.advance(1);
      expect(sink.expectNextN(1)[0]!.numRows).toBe(1);
      src.sendComplete();
      sink.expectComplete();
    });

    it('holds at most one finished batch while downstream is busy, and backpressures', () => {
      const clock = new TestClock();
      const [src, sink] = TestSource.probe<{ id: number }>()
        .via(toRecordBatches({ inferFrom: 'first', maxRows: 2 }))
        .toMat(TestSink.probe<RecordBatch>(clock), Keep.both)
        .run(clock.materializer());
      src.sendNext({ id: 1 }).sendNext({ id: 2 }); // a full batch, not requested yet
      expect(src.pending).toBe(0);
      src.sendNext({ id: 3 });
      expect(src.pending).toBe(1); // not pulled while the finished batch waits
      src.expectNoRequest();
      sink.request(1);
      expect(sink.expectNextN(1)[0]!.numRows).toBe(2);
      expect(src.pending).toBe(0);
      src.sendComplete();
      sink.request(1);
      expect(sink.expectNextN(1)[0]!.numRows).toBe(1);
      sink.expectComplete();
    });

    it('stays within its declared buffer', async () => {
      const rows = Source.range(1, 20_000).map((id) => ({ id, name: `n${id}` }));
      await expectBounded(rows.via(toRecordBatches({ inferFrom: 'first', maxRows: 1_000 })).toMat(Sink.ignore(), Keep.right), { maxBuffered: 2_000 + 64 });
    });
  });

  it('withContext: each batch carries the contexts of its rows, in order, across schema changes', async () => {
    const rows = [{ a: 1 }, { a: 2 }, { a: 'x' }, { a: 'y' }, { a: 'z' }];
    const out = await Source.from(rows.map((r, i) => [r, i] as [{ a: unknown }, number]))
      .via(toRecordBatchesWithContext<{ a: unknown }, number>({ inferFrom: 'first', maxRows: 2 }).asFlow())
      .runWith(Sink.seq());
    expect(out.map(([b, ctx]) => [b.numRows, ctx])).toEqual([[2, [0, 1]], [2, [2, 3]], [1, [4]]]);
  });
});
