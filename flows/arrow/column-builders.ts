/**
 * Column builders: append JavaScript values to growable typed arrays and hand the result to Arrow as `Data`
 * without copies. Each builder accepts only the values it can store without loss (see `expected`): an
 * `append` that would coerce returns -1 and leaves the column unchanged.
 */
import { makeData, type Data, type DataType } from 'apache-arrow';
import type { ColumnKind } from './column-types';
import {
  instantInUnit, parseDecimal, parseIsoDate, parseIsoInstant, toBytes, toInt64, writeDecimal128, writeInt64,
  type Instant,
} from './values';

/** Appends values of one column of the batch being built. */
export interface ColumnBuilder {
  /** Rows appended. */
  readonly length: number;
  /** Appends `value` (null/undefined: a null); returns the bytes it takes, or -1 if the value is not accepted. */
  append(value: unknown): number;
  /** Drops the rows from `length` on (undoes the appends of a row that did not fit). */
  truncate(length: number): void;
  /** The column's data; the builder must not be used afterwards. */
  finish(type: DataType): Data;
}

/** What a column of `kind` accepts, for error messages. */
export function expected(kind: ColumnKind): string {
  switch (kind.kind) {
    case 'null': return 'null';
    case 'bool': return 'a boolean';
    case 'int': return `an integer number in [${-(2 ** (kind.bits - 1))}, ${2 ** (kind.bits - 1) - 1}]`;
    case 'int64': return 'a 64-bit integer (bigint, safe-integer number, or integer text)';
    case 'float': return "a number (or the text 'NaN', 'Infinity', '-Infinity')";
    case 'utf8': return 'a string';
    case 'binary': return 'bytes (Uint8Array/Buffer) or base64 text';
    case 'date': return "a calendar date 'YYYY-MM-DD' or a Date at midnight UTC";
    case 'decimal':
      return `a decimal of at most ${kind.precision} digits with at most ${kind.scale} after the point (text, number or bigint)`;
    case 'timestamp':
      return kind.timezone === null
        ? `a wall-clock time (ISO-8601 text without a zone, a Date, or a number/bigint of ${kind.unit} since the epoch) ` +
            `without digits finer than ${kind.unit}`
        : `an instant (ISO-8601 text with 'Z' or an offset, a Date, or a number/bigint of ${kind.unit} since the epoch) ` +
            `without digits finer than ${kind.unit}`;
  }
}

/** A builder for `kind`, sized for `capacity` rows at first (it grows by doubling). */
export function columnBuilder(kind: ColumnKind, nullable: boolean, capacity: number): ColumnBuilder {
  const cap = Math.max(8, capacity);
  switch (kind.kind) {
    case 'null': return new NullBuilder();
    case 'bool': return new BoolBuilder(nullable, cap);
    case 'int': return new IntBuilder(nullable, cap, kind.bits);
    case 'int64': return new Int64Builder(nullable, cap, toInt64);
    case 'float': return new FloatBuilder(nullable, cap, kind.bits);
    case 'utf8': return new VarBuilder(nullable, cap, (v) => (typeof v === 'string' ? v : undefined));
    case 'binary': return new VarBuilder(nullable, cap, toBytes);
    case 'date': return new DateBuilder(nullable, cap);
    case 'decimal': return new DecimalBuilder(nullable, cap, kind.precision, kind.scale);
    case 'timestamp': return new Int64Builder(nullable, cap, timestampParser(kind.unit, kind.timezone !== null));
  }
}

/** Validity bits and row count shared by the builders. */
abstract class Base implements ColumnBuilder {
  length = 0;
  protected nullCount = 0;
  protected capacity: number;
  private validity: Uint8Array;

  constructor(
    private readonly nullable: boolean,
    capacity: number,
  ) {
    this.capacity = capacity;
    this.validity = new Uint8Array((capacity + 7) >> 3);
  }

  /** Stores a non-null value at row `i` (capacity ensured); returns its byte size or -1. */
  protected abstract put(i: number, value: unknown): number;
  /** Grows the value buffers to `capacity` rows. */
  protected abstract growValues(capacity: number): void;
  /** Undoes value-buffer state from row `length` on (variable-width columns). */
  protected truncateValues(_length: number): void {}
  protected abstract valueBuffers(): { data?: unknown; valueOffsets?: Int32Array };

  append(value: unknown): number {
    const i = this.length;
    if (i === this.capacity) this.grow();
    if (value === null || value === undefined) {
      if (!this.nullable) return -1;
      this.validity[i >> 3]! &= ~(1 << (i & 7));
      this.nullCount++;
      this.length = i + 1;
      this.putNull(i);
      return 1;
    }
    const bytes = this.put(i, value);
    if (bytes < 0) return -1;
    this.validity[i >> 3]! |= 1 << (i & 7);
    this.length = i + 1;
    return bytes;
  }

  /** Fills a null row's value slot (variable-width columns repeat the offset). */
  protected putNull(_i: number): void {}

  truncate(length: number): void {
    for (let i = length; i < this.length; i++) if ((this.validity[i >> 3]! & (1 << (i & 7))) === 0) this.nullCount--;
    this.truncateValues(length);
    this.length = length;
  }

  finish(type: DataType): Data {
    const { length, nullCount } = this;
    return makeData({
      type,
      length,
      nullCount,
      ...(nullCount > 0 ? { nullBitmap: this.validity.subarray(0, (length + 7) >> 3) } : {}),
      ...this.valueBuffers(),
    } as never);
  }

  private grow(): void {
    const next = this.capacity * 2;
    const validity = new Uint8Array((next + 7) >> 3);
    validity.set(this.validity);
    this.validity = validity;
    this.growValues(next);
    this.capacity = next;
  }
}

class NullBuilder implements ColumnBuilder {
  length = 0;
  append(value: unknown): number {
    if (value !== null && value !== undefined) return -1;
    this.length++;
    return 0;
  }
  truncate(length: number): void {
    this.length = length;
  }
  finish(type: DataType): Data {
    return makeData({ type, length: this.length, nullCount: this.length } as never);
  }
}

class BoolBuilder extends Base {
  private bits: Uint8Array;
  constructor(nullable: boolean, cap: number) {
    super(nullable, cap);
    this.bits = new Uint8Array((cap + 7) >> 3);
  }
  protected put(i: number, value: unknown): number {
    if (typeof value !== 'boolean') return -1;
    if (value) this.bits[i >> 3]! |= 1 << (i & 7);
    else this.bits[i >> 3]! &= ~(1 << (i & 7));
    return 1;
  }
  protected growValues(capacity: number): void {
    const bits = new Uint8Array((capacity + 7) >> 3);
    bits.set(this.bits);
    this.bits = bits;
  }
  protected valueBuffers(): { data: Uint8Array } {
    return { data: this.bits.subarray(0, (this.length + 7) >> 3) };
  }
}

type IntArray = Int8Array | Int16Array | Int32Array;

class IntBuilder extends Base {
  private values: IntArray;
  private readonly min: number;
  private readonly max: number;
  constructor(
    nullable: boolean,
    cap: number,
    private readonly bits: 8 | 16 | 32,
  ) {
    super(nullable, cap);
    this.values = this.allocate(cap);
    this.max = 2 ** (bits - 1) - 1;
    this.min = -(2 ** (bits - 1));
  }
  private allocate(n: number): IntArray {
    return this.bits === 8 ? new Int8Array(n) : this.bits === 16 ? new Int16Array(n) : new Int32Array(n);
  }
  protected put(i: number, value: unknown): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < this.min || value > this.max) return -1;
    this.values[i] = value;
    return this.bits / 8;
  }
  protected growValues(capacity: number): void {
    const values = this.allocate(capacity);
    values.set(this.values);
    this.values = values;
  }
  protected valueBuffers(): { data: IntArray } {
    return { data: this.values.subarray(0, this.length) };
  }
}

/** 64-bit integers and timestamps: one buffer seen as bigints and as 32-bit words (fast writes of safe integers). */
class Int64Builder extends Base {
  private big: BigInt64Array;
  private lo: Uint32Array;
  private hi: Int32Array;
  constructor(
    nullable: boolean,
    cap: number,
    private readonly parse: (value: unknown) => number | bigint | undefined,
  ) {
    super(nullable, cap);
    this.big = new BigInt64Array(cap);
    this.lo = new Uint32Array(this.big.buffer);
    this.hi = new Int32Array(this.big.buffer);
  }
  protected put(i: number, value: unknown): number {
    const v = this.parse(value);
    if (v === undefined) return -1;
    writeInt64(this.lo, this.hi, this.big, i, v);
    return 8;
  }
  protected growValues(capacity: number): void {
    const big = new BigInt64Array(capacity);
    big.set(this.big);
    this.big = big;
    this.lo = new Uint32Array(big.buffer);
    this.hi = new Int32Array(big.buffer);
  }
  protected valueBuffers(): { data: BigInt64Array } {
    return { data: this.big.subarray(0, this.length) };
  }
}

const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/** Parses timestamps into `unit` since the epoch; `zoned` columns take instants, the others wall-clock times. */
function timestampParser(unit: 's' | 'ms' | 'us' | 'ns', zoned: boolean): (value: unknown) => number | bigint | undefined {
  return (value) => {
    let instant: Instant | undefined;
    if (typeof value === 'string') {
      instant = parseIsoInstant(value);
      if (instant === undefined || instant.zoned !== zoned) return undefined;
    } else if (value instanceof Date) {
      const ms = value.getTime();
      if (Number.isNaN(ms)) return undefined;
      instant = { epochMs: ms, subMsNanos: 0, zoned };
    } else if (typeof value === 'number') {
      return Number.isSafeInteger(value) ? value : undefined;
    } else if (typeof value === 'bigint') {
      return value >= MIN_INT64 && value <= MAX_INT64 ? value : undefined;
    } else return undefined;
    const v = instantInUnit(instant, unit);
    if (typeof v === 'bigint' && (v < MIN_INT64 || v > MAX_INT64)) return undefined;
    return v;
  };
}

class FloatBuilder extends Base {
  private values: Float32Array | Float64Array;
  constructor(
    nullable: boolean,
    cap: number,
    private readonly bits: 32 | 64,
  ) {
    super(nullable, cap);
    this.values = bits === 32 ? new Float32Array(cap) : new Float64Array(cap);
  }
  protected put(i: number, value: unknown): number {
    if (typeof value === 'number') this.values[i] = value;
    else if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') this.values[i] = Number(value);
    else return -1;
    return this.bits / 8;
  }
  protected growValues(capacity: number): void {
    const values = this.bits === 32 ? new Float32Array(capacity) : new Float64Array(capacity);
    values.set(this.values);
    this.values = values;
  }
  protected valueBuffers(): { data: Float32Array | Float64Array } {
    return { data: this.values.subarray(0, this.length) };
  }
}

class DateBuilder extends Base {
  private values: Int32Array;
  constructor(nullable: boolean, cap: number) {
    super(nullable, cap);
    this.values = new Int32Array(cap);
  }
  protected put(i: number, value: unknown): number {
    let days: number | undefined;
    if (typeof value === 'string') days = parseIsoDate(value);
    else if (value instanceof Date) {
      const ms = value.getTime();
      days = ms % 86_400_000 === 0 ? ms / 86_400_000 : undefined;
    }
    if (days === undefined || days < -(2 ** 31) || days >= 2 ** 31) return -1;
    this.values[i] = days;
    return 4;
  }
  protected growValues(capacity: number): void {
    const values = new Int32Array(capacity);
    values.set(this.values);
    this.values = values;
  }
  protected valueBuffers(): { data: Int32Array } {
    return { data: this.values.subarray(0, this.length) };
  }
}

class DecimalBuilder extends Base {
  private words: Uint32Array;
  constructor(
    nullable: boolean,
    cap: number,
    private readonly precision: number,
    private readonly scale: number,
  ) {
    super(nullable, cap);
    this.words = new Uint32Array(cap * 4);
  }
  protected put(i: number, value: unknown): number {
    const d = parseDecimal(value, this.precision, this.scale);
    if (d === undefined) return -1;
    writeDecimal128(this.words, i, d);
    return 16;
  }
  protected growValues(capacity: number): void {
    const words = new Uint32Array(capacity * 4);
    words.set(this.words);
    this.words = words;
  }
  protected valueBuffers(): { data: Uint32Array } {
    return { data: this.words.subarray(0, this.length * 4) };
  }
}

/** Utf8 and binary: an offsets array and a growing byte buffer. */
class VarBuilder extends Base {
  private offsets: Int32Array;
  private data: Buffer;
  private end = 0;
  constructor(
    nullable: boolean,
    cap: number,
    private readonly accept: (value: unknown) => string | Uint8Array | undefined,
  ) {
    super(nullable, cap);
    this.offsets = new Int32Array(cap + 1);
    this.data = Buffer.allocUnsafe(cap * 16);
  }
  protected put(i: number, value: unknown): number {
    const v = this.accept(value);
    if (v === undefined) return -1;
    const most = typeof v === 'string' ? v.length * 3 : v.byteLength;
    if (this.end + most > 0x7fffffff) return -1; // Arrow's 32-bit offsets
    this.reserve(most);
    let written: number;
    if (typeof v === 'string') written = v.length <= 32 ? writeShort(this.data, v, this.end) : this.data.write(v, this.end, 'utf8');
    else {
      this.data.set(v, this.end);
      written = v.byteLength;
    }
    this.end += written;
    this.offsets[i + 1] = this.end;
    return written + 4;
  }
  protected override putNull(i: number): void {
    this.offsets[i + 1] = this.end;
  }
  protected override truncateValues(length: number): void {
    this.end = this.offsets[length]!;
  }
  protected growValues(capacity: number): void {
    const offsets = new Int32Array(capacity + 1);
    offsets.set(this.offsets);
    this.offsets = offsets;
  }
  protected valueBuffers(): { data: Uint8Array; valueOffsets: Int32Array } {
    return {
      data: new Uint8Array(this.data.buffer, this.data.byteOffset, this.end),
      valueOffsets: this.offsets.subarray(0, this.length + 1),
    };
  }
  private reserve(bytes: number): void {
    if (this.end + bytes <= this.data.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.end + bytes));
    this.data.copy(next, 0, 0, this.end);
    this.data = next;
  }
}

/** Writes a short string as UTF-8: byte by byte while it is ASCII (cheaper than a native call), else natively. */
function writeShort(buf: Buffer, v: string, at: number): number {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x80) return buf.write(v, at, 'utf8');
    buf[at + i] = c;
  }
  return v.length;
}
