/**
 * Column types and values of the CDC simulator: how a value a test writes is stored (canonical form), how SQL
 * Server renders it under the catalogue's conversions (`CONVERT(nvarchar, x)` for exact numerics, style 2 for
 * money, style 121 for dates and times), how it goes on the wire, and how two values of a type compare.
 */
import type { ColumnSpec, ColumnTypeName } from '../tds';

/** A column of a simulated table, as `CREATE TABLE` would declare it. */
export interface SimColumn {
  readonly name: string;
  /** Base type name, lower case: `int`, `nvarchar`, `decimal`, `datetime2`… */
  readonly type: string;
  /** Characters / bytes, or `'max'`. */
  readonly length?: number | 'max';
  readonly precision?: number;
  readonly scale?: number;
  readonly nullable?: boolean;
}

const INTS = new Set(['int', 'smallint', 'tinyint']);
const DATE_TYPES = new Set(['date', 'time', 'datetime', 'datetime2', 'smalldatetime', 'datetimeoffset']);
const EXACT = new Set(['decimal', 'numeric']);
const MONEY = new Set(['money', 'smallmoney']);

/** Whether the catalogue converts this type to text on the server. */
export function isConverted(type: string): boolean {
  return EXACT.has(type) || MONEY.has(type) || DATE_TYPES.has(type);
}

/** The fractional-second digits of a date/time column (SQL Server's default 7; datetime 3; smalldatetime 0). */
function fractionDigits(c: SimColumn): number {
  if (c.type === 'datetime') return 3;
  if (c.type === 'smalldatetime' || c.type === 'date') return 0;
  return c.scale ?? 7;
}

/** Decimal text with exactly `scale` decimals (SQL Server's CONVERT(nvarchar, decimal) output). */
export function fixedDecimal(value: unknown, scale: number, what: string): string {
  const text = typeof value === 'bigint' ? value.toString() : typeof value === 'number' ? value.toFixed(Math.min(scale, 20)) : String(value);
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new TypeError(`${what}: not a decimal number: ${JSON.stringify(value)}`);
  const int = (m[2] || '0').replace(/^0+(?=\d)/, '');
  const frac = (m[3] ?? '').padEnd(scale, '0').slice(0, scale);
  const negative = m[1] === '-' && /[1-9]/.test(int + frac);
  return `${negative ? '-' : ''}${int}${scale > 0 ? `.${frac}` : ''}`;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Parses a date/time the test wrote (ISO text or Date) into parts. */
function dateParts(value: unknown, what: string): { date: string; time: string; frac: string; offset: string | undefined } {
  if (value instanceof Date) {
    const ms = value.getUTCMilliseconds();
    return {
      date: `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`,
      time: `${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}`,
      frac: pad(ms, 3),
      offset: undefined,
    };
  }
  const m = /^(\d{4}-\d{2}-\d{2})?(?:[T ]?(\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?)?\s*(Z|[+-]\d{2}:\d{2})?$/.exec(String(value).trim());
  if (!m || (!m[1] && !m[2])) throw new TypeError(`${what}: not a date/time: ${JSON.stringify(value)}`);
  return { date: m[1] ?? '1900-01-01', time: m[2] ?? '00:00:00', frac: m[3] ?? '', offset: m[4] === 'Z' ? '+00:00' : m[4] };
}

/** The value as stored: canonical text for exact numerics and dates, upper-case GUIDs, Buffers for binary. */
export function canonical(c: SimColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const what = `column ${c.name} (${c.type})`;
  if (INTS.has(c.type)) return Number(value);
  if (c.type === 'bigint') return BigInt(value as string | number | bigint).toString();
  if (c.type === 'bit') return value === true || value === 1 || value === '1';
  if (c.type === 'float' || c.type === 'real') return Number(value);
  if (EXACT.has(c.type)) return fixedDecimal(value, c.scale ?? 0, what);
  if (MONEY.has(c.type)) return fixedDecimal(value, 4, what);
  if (c.type === 'uniqueidentifier') return String(value).toUpperCase();
  if (c.type === 'binary' || c.type === 'varbinary' || c.type === 'image') return Buffer.from(value as Uint8Array);
  if (DATE_TYPES.has(c.type)) {
    const p = dateParts(value, what);
    const digits = fractionDigits(c);
    const frac = digits > 0 ? `.${p.frac.padEnd(digits, '0').slice(0, digits)}` : '';
    switch (c.type) {
      case 'date':
        return p.date;
      case 'time':
        return `${p.time}${frac}`;
      case 'smalldatetime':
        return `${p.date} ${p.time.slice(0, 5)}:00`;
      case 'datetimeoffset':
        return `${p.date} ${p.time}${frac} ${p.offset ?? '+00:00'}`;
      default:
        return `${p.date} ${p.time}${frac}`;
    }
  }
  return String(value);
}

/** How a stored value reads through the catalogue's select expression (style 121 text for dates and times). */
export function rendered(c: SimColumn, stored: unknown): unknown {
  if (stored === null) return null;
  if (c.type === 'smalldatetime') return `${String(stored)}.000`;
  return stored;
}

/** The result-set column of a captured column, as the catalogue selects it. */
export function resultColumn(c: SimColumn): ColumnSpec {
  if (isConverted(c.type)) return { name: c.name, type: 'nvarchar', length: 48 };
  const max = c.length === 'max';
  const map: Record<string, ColumnTypeName> = {
    int: 'int',
    smallint: 'smallint',
    tinyint: 'tinyint',
    bigint: 'bigint',
    bit: 'bit',
    float: 'float',
    real: 'real',
    nvarchar: max ? 'nvarchar(max)' : 'nvarchar',
    varchar: max ? 'varchar(max)' : 'varchar',
    nchar: 'nchar',
    char: 'char',
    ntext: 'ntext',
    text: 'varchar(max)',
    xml: 'nvarchar(max)',
    binary: 'binary',
    varbinary: max ? 'varbinary(max)' : 'varbinary',
    image: 'varbinary(max)',
    uniqueidentifier: 'uniqueidentifier',
  };
  const type = map[c.type];
  if (!type) throw new TypeError(`the CDC simulator cannot return columns of type ${c.type}`);
  return { name: c.name, type, ...(typeof c.length === 'number' ? { length: c.length } : {}) };
}

/** `cdc.captured_columns`/`sys.columns` max_length: -1 for `(max)`, else the byte width (2 per nchar). */
export function maxLength(c: SimColumn): number {
  if (c.length === 'max') return -1;
  const n = typeof c.length === 'number' ? c.length : 0;
  return c.type === 'nvarchar' || c.type === 'nchar' ? n * 2 : n;
}

/** Orders two stored values of a column type (NULL first), as an index on the column would. */
export function compareValues(c: SimColumn, a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (INTS.has(c.type) || c.type === 'float' || c.type === 'real') return Number(a) - Number(b);
  if (c.type === 'bigint') return BigInt(a as string) < BigInt(b as string) ? -1 : BigInt(a as string) > BigInt(b as string) ? 1 : 0;
  if (EXACT.has(c.type) || MONEY.has(c.type)) return compareDecimal(String(a), String(b));
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return Buffer.compare(a, b);
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareDecimal(a: string, b: string): number {
  const scale = Math.max(a.split('.')[1]?.length ?? 0, b.split('.')[1]?.length ?? 0);
  const big = (s: string): bigint => BigInt(fixedDecimal(s, scale, 'key').replace('.', ''));
  const x = big(a);
  const y = big(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Whether two stored values are equal (binary by bytes). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}
