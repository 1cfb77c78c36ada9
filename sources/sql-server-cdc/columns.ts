import type { StatementColumn } from './statements';
import type { CdcValue } from './types';

/** A captured column of a capture instance (from `cdc.captured_columns`). */
export interface CapturedColumn extends StatementColumn {
  /** `column_ordinal`: the column's bit in the update mask. */
  readonly ordinal: number;
  /** `varchar(max)`, `nvarchar(max)`, `varbinary(max)`: NULL in an update's before-image unless changed. */
  readonly isMaxLob: boolean;
  /** `text`, `ntext`, `image`: always NULL in before-images (ops 1 and 3). */
  readonly isLegacyLob: boolean;
  readonly isComputed: boolean;
}

/** How `decimal`/`numeric`/`money` and `bigint` values are emitted. */
export type DecimalPolicy = 'string' | 'number';

const LEGACY_LOBS = new Set(['text', 'ntext', 'image']);
const MAX_CAPABLE = new Set(['varchar', 'nvarchar', 'varbinary']);
const DECIMALS = new Set(['decimal', 'numeric', 'money', 'smallmoney']);

/** A `CapturedColumn` from a `cdc.captured_columns` row (`maxLength` -1 marks a `(max)` column). */
export function capturedColumn(name: string, ordinal: number, type: string, maxLength: number | null, isComputed: boolean): CapturedColumn {
  const t = type.toLowerCase();
  return {
    name,
    ordinal,
    type: t,
    isMaxLob: MAX_CAPABLE.has(t) && maxLength === -1,
    isLegacyLob: LEGACY_LOBS.has(t),
    isComputed,
  };
}

/**
 * Whether the update mask marks the column with `ordinal` (1-based) as changed. The mask is big-endian: column 1
 * is the lowest bit of the last byte (`sys.fn_cdc_is_bit_set` semantics).
 */
export function isMaskBitSet(mask: Uint8Array | null, ordinal: number): boolean {
  if (mask === null) return false;
  const byte = mask.length - 1 - ((ordinal - 1) >> 3);
  if (byte < 0) return false;
  return (mask[byte]! & (1 << ((ordinal - 1) & 7))) !== 0;
}

/**
 * Turns a value as the driver returns it (for the select expressions of the catalogue) into the emitted value:
 * date/time text (style 121) into ISO 8601 (`T` separator; a `datetimeoffset` keeps its offset), binary into
 * base64, `bigint` and exact numerics kept as text unless `decimals` is `'number'`.
 */
export function decodeValue(column: StatementColumn, raw: unknown, decimals: DecimalPolicy): CdcValue {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'string') {
    switch (column.type) {
      case 'datetime':
      case 'datetime2':
      case 'smalldatetime':
        return raw.replace(' ', 'T');
      case 'datetimeoffset':
        return raw.replace(' ', 'T').replace(' ', '');
      case 'bigint':
        return decimals === 'number' ? Number(raw) : raw;
      default:
        return decimals === 'number' && DECIMALS.has(column.type) ? Number(raw) : raw;
    }
  }
  if (typeof raw === 'number') return column.type === 'bigint' && decimals === 'string' ? String(raw) : raw;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'bigint') return decimals === 'number' ? Number(raw) : raw.toString();
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  if (raw instanceof Date) return raw.toISOString();
  return JSON.stringify(raw);
}

/** The value to bind for a key column from the emitted value (inverse of `decodeValue` where it matters). */
export function keyParamValue(column: StatementColumn, value: CdcValue): unknown {
  if (value === null) return null;
  switch (column.type) {
    case 'binary':
    case 'varbinary':
      return Buffer.from(String(value), 'base64');
    case 'datetime':
    case 'datetime2':
    case 'smalldatetime':
    case 'datetimeoffset':
      return String(value).replace('T', ' ');
    case 'bigint':
      return String(value);
    default:
      return typeof value === 'number' && DECIMALS.has(column.type) ? String(value) : value;
  }
}

/**
 * A commit time (`datetime` text in the server's time zone, style 121) as UTC ISO, given the server's offset
 * from UTC in minutes. `null` when unknown.
 * @example commitTimeToIso('2024-03-01 10:00:00.123', 60) // '2024-03-01T09:00:00.123Z'
 */
export function commitTimeToIso(local: unknown, offsetMinutes: number): string | null {
  if (typeof local !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(local);
  if (!m) return null;
  const ms = Number(((m[7] ?? '') + '000').slice(0, 3));
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms) - offsetMinutes * 60_000;
  return new Date(utc).toISOString();
}
