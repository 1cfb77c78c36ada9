/**
 * Lossless conversions between JavaScript values and the bytes of Arrow columns: ISO-8601 timestamps with
 * sub-millisecond digits, decimals as text, 64-bit integers from text, base64. Each parser returns `undefined`
 * for input it does not accept (the caller names the field and what was expected).
 */

const TWO_32 = 4294967296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MASK_128 = (1n << 128n) - 1n;

/** A point in time split into whole milliseconds since the epoch and the nanoseconds within that millisecond. */
export interface Instant {
  readonly epochMs: number;
  /** 0 … 999 999 */
  readonly subMsNanos: number;
  /** Whether the text carried `Z` or an offset (`undefined` for values that are not text). */
  readonly zoned: boolean;
}

const ISO =
  /^([+-]?\d{4,6})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function daysInMonth(year: number, month: number): number {
  return month === 2 ? ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/** Milliseconds since the epoch of a UTC calendar date and time (years 0–99 are not shifted to 19xx). */
export function utcMillis(year: number, month: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  return daysFromCivil(year, month, day) * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
}

/** The number in `text[at … at+len)` if all are ASCII digits, else -1. */
function digitsAt(text: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** The common shapes `YYYY-MM-DD[(T| )hh:mm[:ss[.f…]]][Z|±hh[:]mm]`, without a regular expression or a Date. */
function parseIsoFast(text: string): Instant | null {
  const len = text.length;
  if (len < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  let h = 0;
  let mi = 0;
  let s = 0;
  let nanos = 0;
  let i = 10;
  if (i < len && (text.charCodeAt(i) === 84 || text.charCodeAt(i) === 32)) {
    h = digitsAt(text, i + 1, 2);
    mi = digitsAt(text, i + 4, 2);
    if (h < 0 || h > 23 || text.charCodeAt(i + 3) !== 58 || mi < 0 || mi > 59) return null;
    i += 6;
    if (i < len && text.charCodeAt(i) === 58) {
      s = digitsAt(text, i + 1, 2);
      if (s < 0 || s > 59) return null;
      i += 3;
      if (i < len && (text.charCodeAt(i) === 46 || text.charCodeAt(i) === 44)) {
        let n = 0;
        let scale = 100_000_000;
        for (i++; i < len; i++) {
          const c = text.charCodeAt(i) - 48;
          if (c < 0 || c > 9) break;
          if (scale < 1) return null; // more than 9 fraction digits
          n += c * scale;
          scale /= 10;
        }
        if (scale === 100_000_000) return null; // a point without digits
        nanos = n;
      }
    }
  }
  let epochMs = utcMillis(year, month, day, h, mi, s) + Math.floor(nanos / 1_000_000);
  let zoned = false;
  if (i < len) {
    const c = text.charCodeAt(i);
    if ((c === 90 || c === 122) && i + 1 === len) zoned = true;
    else if (c === 43 || c === 45) {
      const oh = digitsAt(text, i + 1, 2);
      const colon = text.charCodeAt(i + 3) === 58 ? 1 : 0;
      const om = i + 3 === len ? 0 : digitsAt(text, i + 3 + colon, 2);
      if (oh < 0 || oh > 23 || om < 0 || om > 59 || (i + 3 !== len && i + 5 + colon !== len)) return null;
      epochMs -= (c === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
      zoned = true;
    } else return null;
  }
  return { epochMs, subMsNanos: nanos % 1_000_000, zoned };
}

/** Parses an ISO-8601 date or date-time (up to 9 fraction digits, optional `Z` or `±hh:mm`); `undefined` if invalid. */
export function parseIsoInstant(text: string): Instant | undefined {
  const fast = parseIsoFast(text);
  if (fast !== null) return fast;
  const m = ISO.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || h > 23 || mi > 59 || s > 59) return undefined;
  const fraction = (m[7] ?? '').padEnd(9, '0');
  const ms = Number(fraction.slice(0, 3));
  const subMsNanos = Number(fraction.slice(3));
  let epochMs = utcMillis(year, month, day, h, mi, s, ms);
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || 0);
    if (oh > 23 || om > 59) return undefined;
    epochMs -= sign * (oh * 60 + om) * 60_000;
  }
  return Number.isFinite(epochMs) ? { epochMs, subMsNanos, zoned: zone !== undefined } : undefined;
}

/** Time units of Arrow timestamps. */
export type TimeUnitName = 's' | 'ms' | 'us' | 'ns';

const PER_MS: Readonly<Record<TimeUnitName, number>> = { s: 0.001, ms: 1, us: 1_000, ns: 1_000_000 };

/**
 * The instant in `unit` since the epoch, as a safe integer when it is one, else a bigint; `undefined` when the
 * instant has digits finer than the unit (it would be truncated).
 */
export function instantInUnit(instant: Instant, unit: TimeUnitName): number | bigint | undefined {
  const { epochMs, subMsNanos } = instant;
  switch (unit) {
    case 's':
      return subMsNanos !== 0 || epochMs % 1000 !== 0 ? undefined : epochMs / 1000;
    case 'ms':
      return subMsNanos !== 0 ? undefined : epochMs;
    case 'us': {
      if (subMsNanos % 1000 !== 0) return undefined;
      const us = subMsNanos / 1000;
      return Math.abs(epochMs) < 9e12 ? epochMs * 1000 + us : BigInt(epochMs) * 1000n + BigInt(us);
    }
    case 'ns':
      return Math.abs(epochMs) < 9e6 ? epochMs * 1_000_000 + subMsNanos : BigInt(epochMs) * 1_000_000n + BigInt(subMsNanos);
  }
}

/** ISO-8601 text of a value in `unit` since the epoch: `…Z` when `zoned`, without a zone otherwise. */
export function formatInstant(value: bigint | number, unit: TimeUnitName, zoned: boolean): string {
  let epochMs: number;
  let subMs = 0; // in the unit's sub-millisecond digits
  if (unit === 's') epochMs = Number(value) * 1000;
  else if (unit === 'ms') epochMs = Number(value);
  else if (typeof value === 'number') {
    const per = PER_MS[unit];
    epochMs = Math.floor(value / per);
    subMs = value - epochMs * per;
  } else {
    const per = BigInt(PER_MS[unit]);
    let ms = value / per;
    let rest = value % per;
    if (rest < 0n) {
      rest += per;
      ms -= 1n;
    }
    epochMs = Number(ms);
    subMs = Number(rest);
  }
  const days = Math.floor(epochMs / 86_400_000);
  let rest = epochMs - days * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const sec = Math.floor(rest / 1000);
  const ms = rest - sec * 1000;
  const base = `${formatDate(days)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(sec, 2)}`;
  const fraction = unit === 's' ? '' : unit === 'ms' ? `.${pad(ms, 3)}` : `.${pad(ms, 3)}${pad(subMs, unit === 'us' ? 3 : 6)}`;
  return `${base}${fraction}${zoned ? 'Z' : ''}`;
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '000000'.slice(0, width - s.length) + s;
}

/** The proleptic Gregorian date of a day number (Howard Hinnant's `civil_from_days`). */
function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** Days since the epoch of `YYYY-MM-DD`; `undefined` if invalid. */
export function parseIsoDate(text: string): number | undefined {
  const m = /^([+-]?\d{4,6})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return utcMillis(year, month, day) / 86_400_000;
}

/** `YYYY-MM-DD` of a day number (`±YYYYYY-MM-DD` outside years 0–9999, as `Date.toISOString`). */
export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  const year = y >= 0 && y <= 9999 ? pad(y, 4) : `${y < 0 ? '-' : '+'}${pad(Math.abs(y), 6)}`;
  return `${year}-${pad(m, 2)}-${pad(d, 2)}`;
}

/**
 * A 64-bit signed integer from a safe-integer number, a bigint or decimal integer text; `undefined` if the value
 * is none of those or out of range. Returns a number when the value is a safe integer (the fast path).
 */
export function toInt64(value: unknown): number | bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'bigint') return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
  if (typeof value !== 'string' || !/^[+-]?\d{1,19}$/.test(value)) return undefined;
  const digits = value.charCodeAt(0) < 48 ? value.length - 1 : value.length; // without a sign
  if (digits <= 15) return Number(value); // at most 15 digits: always a safe integer
  const big = BigInt(value);
  if (big < INT64_MIN || big > INT64_MAX) return undefined;
  return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
}

/** Writes a 64-bit integer at index `i` of the little-endian word views of an int64 buffer. */
export function writeInt64(lo: Uint32Array, hi: Int32Array, big: BigInt64Array, i: number, value: number | bigint): void {
  if (typeof value === 'number') {
    lo[2 * i] = value >>> 0;
    hi[2 * i + 1] = Math.floor(value / TWO_32);
  } else {
    big[i] = value;
  }
}

/** The int64 at index `i`: a number when within ±2⁵³, else a bigint. */
export function int64Value(lo: Uint32Array, hi: Int32Array, big: BigInt64Array, i: number): number | bigint {
  const h = hi[2 * i + 1]!;
  return h >= -2097152 && h < 2097152 ? h * TWO_32 + lo[2 * i]! : big[i]!;
}

/** Decimal text of the int64 at index `i` (fast for values within ±2⁵³). */
export function int64Text(lo: Uint32Array, hi: Int32Array, big: BigInt64Array, i: number): string {
  const h = hi[2 * i + 1]!;
  if (h >= -2097152 && h < 2097152) return String(h * TWO_32 + lo[2 * i]!);
  return big[i]!.toString();
}

/** The unscaled integer of a decimal with `scale` fraction digits, checked against `precision`. */
export interface UnscaledDecimal {
  readonly negative: boolean;
  /** The digits of the absolute unscaled value, without leading zeros ('' for zero); or `small`. */
  readonly digits?: string;
  /** The signed unscaled value when it has at most 15 digits (the fast path). */
  readonly small?: number;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Decimal text whose unscaled value has at most 15 digits, scanned without a regular expression: the value,
 * `undefined` when it is refused (non-zero digits beyond the scale, more than `precision` digits), or null
 * when the text needs the general parser.
 */
function parseSmallDecimal(text: string, precision: number, scale: number): UnscaledDecimal | undefined | null {
  const len = text.length;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 || first === 43) {
    negative = first === 45;
    i = 1;
  }
  let n = 0;
  let digits = 0; // significant digits so far (leading zeros not counted)
  let any = false;
  for (; i < len; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    any = true;
    if (n > 0 || c > 0) digits++;
    n = n * 10 + c;
  }
  let fraction = 0;
  if (i < len) {
    if (text.charCodeAt(i) !== 46) return null;
    for (i++; i < len; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      any = true;
      if (fraction === scale) {
        if (c !== 0) return undefined;
        continue;
      }
      if (n > 0 || c > 0) digits++;
      n = n * 10 + c;
      fraction++;
    }
  }
  if (!any) return null;
  const total = n === 0 ? 0 : digits + scale - fraction;
  if (total > 15) return null;
  if (total > precision) return undefined;
  n *= POW10[scale - fraction]!;
  return { negative: negative && n !== 0, small: negative && n !== 0 ? -n : n };
}

/**
 * Parses decimal text (`-12.50`, `+3`, `.5`) or a finite number into its unscaled digits at `scale`; `undefined`
 * when it is not a decimal or has non-zero digits beyond `scale`, or more than `precision` digits.
 */
export function parseDecimal(value: unknown, precision: number, scale: number): UnscaledDecimal | undefined {
  let text: string;
  if (typeof value === 'string') {
    const fast = parseSmallDecimal(value, precision, scale);
    if (fast !== null) return fast;
    text = value;
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value) || Math.abs(value) >= 1e21) return undefined;
    text = value.toFixed(Math.min(scale, 100));
    if (Number(text) !== value) return undefined; // the number has more fraction digits than the scale
  } else if (typeof value === 'bigint') text = value.toString();
  else return undefined;
  const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  let fraction = m[3] ?? '';
  if (fraction.length > scale) {
    if (!/^0*$/.test(fraction.slice(scale))) return undefined;
    fraction = fraction.slice(0, scale);
  }
  const digits = `${m[2]}${fraction.padEnd(scale, '0')}`.replace(/^0+/, '');
  if (digits.length > precision) return undefined;
  return { negative: m[1] === '-' && digits !== '', digits };
}

/** Writes an unscaled decimal as 128-bit two's complement (4 little-endian 32-bit words) at `words[4i…4i+3]`. */
export function writeDecimal128(words: Uint32Array, i: number, d: UnscaledDecimal): void {
  const o = 4 * i;
  const digits = d.digits ?? '';
  if (d.small !== undefined || digits.length <= 15) {
    const n = d.small ?? (d.negative ? -Number(digits || '0') : Number(digits || '0'));
    words[o] = n >>> 0;
    words[o + 1] = Math.floor(n / TWO_32) >>> 0;
    words[o + 2] = words[o + 3] = n < 0 ? 0xffffffff : 0;
    return;
  }
  let v = BigInt(digits);
  if (d.negative) v = -v;
  v &= MASK_128;
  for (let w = 0; w < 4; w++) words[o + w] = Number((v >> BigInt(32 * w)) & 0xffffffffn);
}

/** Decimal text with exactly `scale` fraction digits of the 128-bit value at `words[4i…4i+3]`. */
export function decimal128Text(words: Uint32Array, i: number, scale: number): string {
  const o = 4 * i;
  const w1 = words[o + 1]!;
  const w2 = words[o + 2]!;
  const w3 = words[o + 3]!;
  let negative: boolean;
  let abs: string;
  if (w2 === 0 && w3 === 0 && w1 < 2097152) {
    negative = false;
    abs = String(w1 * TWO_32 + words[o]!);
  } else if (w2 === 0xffffffff && w3 === 0xffffffff && w1 >= 0xffe00000) {
    negative = true;
    abs = String(-((w1 - TWO_32) * TWO_32 + words[o]!));
  } else {
    let v = 0n;
    for (let w = 3; w >= 0; w--) v = (v << 32n) | BigInt(words[o + w]!);
    negative = v >> 127n === 1n;
    if (negative) v = (1n << 128n) - v;
    abs = v.toString();
  }
  if (abs === '0') negative = false;
  if (scale === 0) return `${negative ? '-' : ''}${abs}`;
  const padded = abs.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes of a `Uint8Array`/`Buffer`, or of strict base64 text; `undefined` otherwise. */
export function toBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string' && BASE64.test(value)) return Buffer.from(value, 'base64');
  return undefined;
}

/** A short rendering of a value for error messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? `array(${value.length})` : `object {${Object.keys(value).slice(0, 5).join(', ')}}`;
}
