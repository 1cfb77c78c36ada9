/**
 * Exact decimal conversion for DECIMAL/NUMERIC/MONEY: values become a scaled integer (value × 10^scale)
 * without going through binary floating point when given as strings or bigints.
 *
 * @example
 * toScaledInteger('-12.345', 4, 'column price'); // -123450n
 * fromScaledInteger(-123450n, 4); // '-12.3450'
 */
const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?$/;

/**
 * `value` × 10^scale as a bigint, rounding half away from zero when `value` has more decimals than `scale`
 * (as SQL Server does when converting). Accepts strings, numbers and bigints.
 */
export function toScaledInteger(value: unknown, scale: number, what: string): bigint {
  let text: string;
  if (typeof value === 'bigint') return value * 10n ** BigInt(scale);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`${what}: expected a finite number, got ${value}`);
    text = Number.isInteger(value) && Math.abs(value) < 1e21 ? BigInt(value).toString() : value.toFixed(Math.min(20, scale + 2));
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw new TypeError(`${what}: expected a decimal string, number or bigint, got ${typeof value}`);
  }
  const m = DECIMAL_TEXT.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new TypeError(`${what}: expected a decimal like '-123.45', got '${text}'`);
  }
  const negative = m[1] === '-';
  const whole = m[2] === '' ? '0' : (m[2] as string);
  const fraction = m[3] ?? '';
  let scaled = BigInt(whole + fraction.slice(0, scale).padEnd(scale, '0'));
  const dropped = fraction.slice(scale);
  if (dropped.length > 0 && Number(dropped[0]) >= 5) scaled += 1n;
  return negative ? -scaled : scaled;
}

/** The decimal text of `scaled` / 10^scale, with exactly `scale` decimals (e.g. '0.0500'). */
export function fromScaledInteger(scaled: bigint, scale: number): string {
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** The DECIMALN value length (sign byte included) for a precision: 5, 9, 13 or 17. */
export function decimalLength(precision: number): number {
  return precision <= 9 ? 5 : precision <= 19 ? 9 : precision <= 28 ? 13 : 17;
}
