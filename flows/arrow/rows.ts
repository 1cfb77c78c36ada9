/**
 * `RecordBatch` → rows: each row a plain object in field order, with values in a lossless JavaScript form.
 */
import { Type, type Data, type RecordBatch } from 'apache-arrow';
import { Flow } from 'tributary';
import { kindsOf, type ColumnKind } from './column-types';
import { decimal128Text, formatDate, formatInstant, int64Text, int64Value } from './values';

/** How `rowsOf` / `fromRecordBatches` render values. The defaults are lossless and JSON-friendly except bytes. */
export interface RowOptions {
  /** `int64` as decimal text (default), `bigint`, or `number` (fails for values beyond ±2⁵³). */
  readonly int64?: 'string' | 'bigint' | 'number';
  /** Timestamps as ISO-8601 text (default; `Z` for zoned columns, none for wall-clock ones), `Date` (ms), or epoch `bigint` in the unit. */
  readonly timestamps?: 'iso' | 'date' | 'epoch';
  /** Binary as `Uint8Array` (default) or base64 text. */
  readonly binary?: 'bytes' | 'base64';
}

type Reader = (i: number) => unknown;

/** A value reader for column `data` of `kind` (index 0 = the first row of the column's slice). */
function readerOf(kind: ColumnKind, data: Data, options: RowOptions, field: string): Reader {
  const valid = data.nullCount > 0 ? (i: number): boolean => data.getValid(i) : undefined;
  const read = valueReader(kind, data, options, field);
  return valid ? (i) => (valid(i) ? read(i) : null) : read;
}

function valueReader(kind: ColumnKind, data: Data, options: RowOptions, field: string): Reader {
  const values = data.values as ArrayLike<unknown> & { buffer: ArrayBufferLike; byteOffset: number; length: number };
  switch (kind.kind) {
    case 'null':
      return () => null;
    case 'bool': {
      const bits = data.values as Uint8Array;
      const offset = data.offset;
      return (i) => ((bits[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1) === 1;
    }
    case 'int':
    case 'float':
      return (i) => values[i];
    case 'int64':
    case 'timestamp': {
      const big = data.values as BigInt64Array;
      const lo = new Uint32Array(big.buffer, big.byteOffset, big.length * 2);
      const hi = new Int32Array(big.buffer, big.byteOffset, big.length * 2);
      if (kind.kind === 'timestamp') {
        const zoned = kind.timezone !== null;
        switch (options.timestamps ?? 'iso') {
          case 'iso': return (i) => formatInstant(int64Value(lo, hi, big, i), kind.unit, zoned);
          case 'epoch': return (i) => big[i];
          case 'date': {
            const perMs = { s: 1000, ms: 1, us: 0.001, ns: 0.000001 }[kind.unit];
            return (i) => new Date(Math.floor(Number(big[i]!) * perMs));
          }
        }
      }
      switch (options.int64 ?? 'string') {
        case 'string': return (i) => int64Text(lo, hi, big, i);
        case 'bigint': return (i) => big[i];
        case 'number':
          return (i) => {
            const v = Number(big[i]!);
            if (!Number.isSafeInteger(v)) throw new RangeError(`rowsOf: field '${field}' value ${big[i]} is beyond ±2^53; use int64: 'string' or 'bigint'`);
            return v;
          };
      }
      break;
    }
    case 'date':
      return (i) => formatDate(values[i] as number);
    case 'decimal': {
      const words = data.values as Uint32Array;
      return (i) => decimal128Text(words, i, kind.scale);
    }
    case 'utf8':
    case 'binary': {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (kind.kind === 'utf8') return (i) => buf.toString('utf8', offsets[i]!, offsets[i + 1]!);
      if (options.binary === 'base64') return (i) => buf.toString('base64', offsets[i]!, offsets[i + 1]!);
      return (i) => bytes.slice(offsets[i]!, offsets[i + 1]!);
    }
  }
  throw new TypeError(`rowsOf: unsupported option for field '${field}'`);
}

/**
 * The rows of a batch, lazily, as plain objects in field order. Values: numbers, booleans and strings as they
 * are; `int64` as text; decimals as text with exactly `scale` fraction digits; timestamps as ISO-8601 (`…Z` for
 * zoned columns); dates as `YYYY-MM-DD`; binary as `Uint8Array` (see `RowOptions`).
 * @example for (const row of rowsOf(batch)) console.log(row.id, row.amount);
 */
export function* rowsOf(batch: RecordBatch, options: RowOptions = {}): Generator<Record<string, unknown>> {
  const fields = batch.schema.fields;
  const kinds = kindsOf(batch.schema, 'rowsOf');
  const children = batch.data.children;
  const readers = fields.map((f, c) => {
    const data = children[c]!;
    if (data.type.typeId === Type.Null) return () => null;
    return readerOf(kinds[c]!, data, options, f.name);
  });
  const names = fields.map((f) => f.name);
  for (let i = 0; i < batch.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = readers[c]!(i);
    yield row;
  }
}

/**
 * The inverse of `toRecordBatches`: emits the rows of each batch (see `rowsOf` for how values are rendered).
 * - Emits when: downstream pulls, row by row. Backpressures when: downstream does. Completes when: upstream
 *   completes and the last batch's rows were emitted. Fails when: upstream fails or a batch has an unsupported type.
 * @example Source.from(decodedBatches).via(fromRecordBatches()).runWith(Sink.seq())
 */
export function fromRecordBatches<T = Record<string, unknown>>(options: RowOptions = {}): Flow<RecordBatch, T> {
  return Flow.create<RecordBatch>().mapConcat((batch) => rowsOf(batch, options) as Iterable<T>);
}
