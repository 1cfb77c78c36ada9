import type { RecordBatch } from 'apache-arrow';
import { Sink, Source } from 'tributary';
import { rowsOf, toRecordBatches, type ColumnDef, type ToRecordBatchesOptions } from 'tributary/flows/arrow';

/** Every supported column type, with time zones, units and a decimal too large for Decimal128 (as text). */
export const ALL_TYPES: readonly ColumnDef[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'flag', type: 'bool' },
  { name: 'tiny', type: 'int8' },
  { name: 'small', type: 'int16' },
  { name: 'int', type: 'int32' },
  { name: 'big', type: 'int64' },
  { name: 'f32', type: 'float32' },
  { name: 'f64', type: 'float64' },
  { name: 'text', type: 'utf8' },
  { name: 'bytes', type: 'binary' },
  { name: 'day', type: 'date' },
  { name: 'amount', type: { type: 'decimal', precision: 9, scale: 2 } },
  { name: 'huge', type: { type: 'decimal', precision: 38, scale: 10 } },
  { name: 'huge_text', type: 'utf8' }, // a decimal beyond 38 digits, kept as text
  { name: 'ts_utc', type: { type: 'timestamp', unit: 'us', timezone: 'UTC' } },
  { name: 'ts_oslo', type: { type: 'timestamp', unit: 'ns', timezone: 'Europe/Oslo' } },
  { name: 'ts_offset', type: { type: 'timestamp', unit: 'ms', timezone: '+05:30' } },
  { name: 'ts_wall', type: { type: 'timestamp', unit: 's' } },
  { name: 'nothing', type: 'null' },
];

/** Rows in the canonical form `rowsOf` returns, so that written rows and read rows compare equal. */
export const ALL_ROWS: readonly Record<string, unknown>[] = [
  {
    id: '1',
    flag: true,
    tiny: -128,
    small: 32767,
    int: -2147483648,
    big: '9223372036854775807',
    f32: 1.5,
    f64: -0.1,
    text: 'Grüße, 世界 😀 — "quoted"\n\ttabbed',
    bytes: Uint8Array.from([0, 1, 2, 255]),
    day: '2024-02-29',
    amount: '-1234567.89',
    huge: '1234567890123456789012345678.0123456789',
    huge_text: '123456789012345678901234567890123456789012345.678901',
    ts_utc: '2024-02-29T23:59:59.123456Z',
    ts_oslo: '1969-12-31T23:59:59.999999999Z',
    ts_offset: '2024-01-01T00:00:00.000Z',
    ts_wall: '2024-06-30T12:00:00',
    nothing: null,
  },
  {
    id: '-9223372036854775808',
    flag: null,
    tiny: null,
    small: null,
    int: null,
    big: null,
    f32: null,
    f64: null,
    text: null,
    bytes: null,
    day: null,
    amount: null,
    huge: null,
    huge_text: null,
    ts_utc: null,
    ts_oslo: null,
    ts_offset: null,
    ts_wall: null,
    nothing: null,
  },
  {
    id: '9007199254740993',
    flag: false,
    tiny: 0,
    small: -1,
    int: 42,
    big: '-9007199254740993',
    f32: 0.25,
    f64: Number.POSITIVE_INFINITY,
    text: '',
    bytes: new Uint8Array(0),
    day: '1969-12-31',
    amount: '0.00',
    huge: '-0.0000000001',
    huge_text: '-0.000000000000000000000000000000000000000000001',
    ts_utc: '1900-01-01T00:00:00.000001Z',
    ts_oslo: '2262-04-11T23:47:16.854775807Z',
    ts_offset: '1970-01-01T00:00:00.001Z',
    ts_wall: '9999-12-31T23:59:59',
    nothing: null,
  },
];

/** Runs `rows` through `toRecordBatches` and collects the batches. */
export function batchesOf(rows: readonly unknown[], options: ToRecordBatchesOptions): Promise<RecordBatch[]> {
  return Source.from(rows).via(toRecordBatches(options)).runWith(Sink.seq());
}

/** The rows of `batches`, in order. */
export function rowsIn(batches: readonly RecordBatch[]): Record<string, unknown>[] {
  return batches.flatMap((b) => [...rowsOf(b)]);
}
