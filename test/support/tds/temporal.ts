/**
 * Date/time arithmetic for the TDS temporal types, exact to 100 ns: values are split into days since
 * 0001-01-01 and 100-ns ticks since midnight (what DATE/TIME/DATETIME2/DATETIMEOFFSET carry on the wire).
 *
 * @example
 * const t = parseTemporal('2024-02-29T23:59:59.1234567', 'column ts'); // { days: 738944, ticks: 863991234567, offsetMinutes: 0 }
 * temporalToDate(t); // 2024-02-29T23:59:59.123Z
 */

/** Days from 0001-01-01 to 1970-01-01. */
export const DAYS_0001_TO_1970 = 719162;
/** Days from 1900-01-01 to 1970-01-01. */
export const DAYS_1900_TO_1970 = 25567;
export const TICKS_PER_DAY = 864_000_000_000;
const MS_PER_DAY = 86_400_000;

/** A point in (possibly offset) time: `days`/`ticks` are the wall-clock values, `offsetMinutes` its UTC offset. */
export interface Temporal {
  /** Days since 0001-01-01 of the wall-clock date. */
  readonly days: number;
  /** 100-ns ticks since the wall-clock midnight, 0 ≤ ticks < TICKS_PER_DAY. */
  readonly ticks: number;
  readonly offsetMinutes: number;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:\d{2})?$/;
const TIME_ONLY = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/;

function fractionTicks(fraction: string | undefined): number {
  return fraction === undefined ? 0 : Number(fraction.padEnd(7, '0'));
}

/**
 * Reads a Date (its UTC fields, offset 0) or an ISO-like string ('YYYY-MM-DD', 'YYYY-MM-DDTHH:MM:SS.fffffff',
 * optionally followed by 'Z' or '±HH:MM', or a time 'HH:MM:SS.fffffff' for `time` columns).
 * `what` names the column/row in errors.
 */
export function parseTemporal(value: unknown, what: string): Temporal {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new TypeError(`${what}: expected a valid Date, got Invalid Date`);
    const day = Math.floor(ms / MS_PER_DAY);
    return { days: day + DAYS_0001_TO_1970, ticks: (ms - day * MS_PER_DAY) * 10_000, offsetMinutes: 0 };
  }
  if (typeof value !== 'string') {
    throw new TypeError(`${what}: expected a Date or an ISO date/time string, got ${typeof value} ${String(value)}`);
  }
  const time = TIME_ONLY.exec(value);
  if (time !== null) {
    const [, hh, mm, ss, frac] = time;
    return { days: 0, ticks: timeTicks(Number(hh), Number(mm), Number(ss ?? 0), frac, what, value), offsetMinutes: 0 };
  }
  const m = DATE_TIME.exec(value);
  if (m === null) {
    throw new TypeError(`${what}: expected 'YYYY-MM-DD[THH:MM[:SS[.fffffff]]][Z|±HH:MM]', got '${value}'`);
  }
  const [, y, mo, d, hh, mi, ss, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) throw new RangeError(`${what}: invalid date '${value}'`);
  const days = daysFromCivil(year, month, day) + DAYS_0001_TO_1970;
  // Reject 2023-02-30 and the like: the day must survive a round trip.
  const back = civilFromDays(days - DAYS_0001_TO_1970);
  if (back.month !== month || back.day !== day) throw new RangeError(`${what}: invalid date '${value}'`);
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const ticks = hh === undefined ? 0 : timeTicks(Number(hh), Number(mi), Number(ss ?? 0), frac, what, value);
  return { days, ticks, offsetMinutes };
}

function timeTicks(h: number, m: number, s: number, frac: string | undefined, what: string, text: string): number {
  if (h > 23 || m > 59 || s > 59) throw new RangeError(`${what}: invalid time in '${text}'`);
  return ((h * 60 + m) * 60 + s) * 10_000_000 + fractionTicks(frac);
}

/** The civil date of a day count since 1970-01-01 (H. Hinnant's civil_from_days). */
export function civilFromDays(z0: number): { year: number; month: number; day: number } {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Converts a wall-clock temporal to UTC (subtracting its offset), carrying across midnight. */
export function toUtc(t: Temporal): Temporal {
  if (t.offsetMinutes === 0) return t;
  const total = BigInt(t.days) * BigInt(TICKS_PER_DAY) + BigInt(t.ticks) - BigInt(t.offsetMinutes) * 600_000_000n;
  const days = total / BigInt(TICKS_PER_DAY);
  return { days: Number(days), ticks: Number(total - days * BigInt(TICKS_PER_DAY)), offsetMinutes: t.offsetMinutes };
}

/** Rounds `ticks` to `scale` fractional digits (half up), carrying a full day into `days`. Returns time units. */
export function scaleTime(t: Temporal, scale: number): { days: number; units: number } {
  const divisor = 10 ** (7 - scale);
  let units = Math.round(t.ticks / divisor);
  let days = t.days;
  const perDay = TICKS_PER_DAY / divisor;
  if (units >= perDay) {
    units -= perDay;
    days += 1;
  }
  return { days, units };
}

/** The byte length of a TIME value of `scale` (3, 4 or 5). */
export function timeLength(scale: number): number {
  return scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
}

/** The JavaScript Date (millisecond precision, UTC) of a day count since 0001-01-01 and 100-ns ticks. */
export function temporalToDate(days: number, ticks: number): Date {
  return new Date((days - DAYS_0001_TO_1970) * MS_PER_DAY + Math.floor(ticks / 10_000));
}
