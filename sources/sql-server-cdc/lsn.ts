/**
 * SQL Server log sequence numbers (`binary(10)`) as fixed-width lowercase hex strings: 20 characters that sort
 * like the LSNs themselves (unsigned, byte by byte), survive JSON, and convert losslessly to and from the
 * `Buffer` the driver binds and returns.
 */

/** A 10-byte LSN as 20 lowercase hex characters, e.g. `0000002a000001f00003`. */
export type Lsn = string;

/** The LSN SQL Server returns from `sys.fn_cdc_get_min_lsn` for a missing instance or a caller without access. */
export const ZERO_LSN: Lsn = '00000000000000000000';

const LSN_PATTERN = /^[0-9a-f]{20}$/;

/** Whether `value` is a well-formed LSN string. */
export function isLsn(value: unknown): value is Lsn {
  return typeof value === 'string' && LSN_PATTERN.test(value);
}

/**
 * The LSN of a `binary(10)` value as the driver returns it.
 * @example lsnFromBuffer(Buffer.from('0000002a000001f00003', 'hex')) // '0000002a000001f00003'
 */
export function lsnFromBuffer(value: Buffer | Uint8Array, what = 'LSN'): Lsn {
  if (!(value instanceof Uint8Array) || value.length !== 10) {
    throw new TypeError(`${what}: expected a binary(10) value, got ${describe(value)}`);
  }
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
}

/** The `Buffer` to bind for an LSN parameter. */
export function lsnToBuffer(lsn: Lsn): Buffer {
  if (!isLsn(lsn)) throw new TypeError(`expected an LSN (20 lowercase hex characters), got ${describe(lsn)}`);
  return Buffer.from(lsn, 'hex');
}

/** Orders two LSNs (negative when `a` comes first). Fixed-width hex compares like the bytes. */
export function compareLsn(a: Lsn, b: Lsn): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The larger of two LSNs. */
export function maxLsn(a: Lsn, b: Lsn): Lsn {
  return a >= b ? a : b;
}

/** The smaller of two LSNs. */
export function minLsn(a: Lsn, b: Lsn): Lsn {
  return a <= b ? a : b;
}

/** Whether the LSN is all zeros (see `ZERO_LSN`). */
export function isZeroLsn(lsn: Lsn): boolean {
  return lsn === ZERO_LSN;
}

/**
 * Debezium's display form `xxxxxxxx:xxxxxxxx:xxxx` (virtual log file, block, slot), for messages and logs.
 * @example formatLsn('0000002a000001f00003') // '0000002a:000001f0:0003'
 */
export function formatLsn(lsn: Lsn): string {
  return `${lsn.slice(0, 8)}:${lsn.slice(8, 16)}:${lsn.slice(16)}`;
}

/** The LSN as an unsigned integer (for distances in metrics; never for positions). */
export function lsnToBigInt(lsn: Lsn): bigint {
  return BigInt(`0x${lsn}`);
}

/** The LSN of an unsigned integer below 2^80 (used by the test simulator to mint LSNs). */
export function lsnFromBigInt(value: bigint): Lsn {
  if (value < 0n || value >= 1n << 80n) throw new RangeError(`LSN value out of range: ${value}`);
  return value.toString(16).padStart(20, '0');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}
