import fc from 'fast-check';
import { decimal128Text, formatDate, formatInstant, instantInUnit, parseDecimal, parseIsoDate, parseIsoInstant, toInt64, writeDecimal128 } from '../../../flows/arrow/values';

describe('value conversions', () => {
  it('parses every ISO-8601 instant Date can print, to the millisecond, and prints it back', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('-010000-01-01T00:00:00Z'), max: new Date('+020000-12-31T23:59:59.999Z'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString();
        expect(formatInstant(d.getTime(), 'ms', true)).toBe(iso);
        expect(formatDate(Math.floor(d.getTime() / 86_400_000))).toBe(iso.slice(0, -14));
        if (d.getUTCFullYear() >= 0 && d.getUTCFullYear() <= 9999) {
          expect(parseIsoInstant(iso)).toEqual({ epochMs: d.getTime(), subMsNanos: 0, zoned: true });
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('applies offsets, keeps up to nine fraction digits, and refuses invalid dates and times', () => {
    expect(parseIsoInstant('2024-03-01T12:00:00.123456789+02:00')).toEqual({ epochMs: Date.UTC(2024, 2, 1, 10, 0, 0, 123), subMsNanos: 456789, zoned: true });
    expect(parseIsoInstant('2024-03-01 12:00-0130')).toEqual({ epochMs: Date.UTC(2024, 2, 1, 13, 30), subMsNanos: 0, zoned: true });
    expect(parseIsoInstant('2024-03-01T12:00:00,5')).toEqual({ epochMs: Date.UTC(2024, 2, 1, 12, 0, 0, 500), subMsNanos: 0, zoned: false });
    expect(parseIsoInstant('2024-03-01')).toEqual({ epochMs: Date.UTC(2024, 2, 1), subMsNanos: 0, zoned: false });
    expect(parseIsoInstant('+012024-03-01T00:00:00Z')?.epochMs).toBe(new Date('+012024-03-01T00:00:00Z').getTime()); // regex path
    for (const bad of ['2023-02-29', '2024-13-01', '2024-01-01T24:00', '2024-01-01T10:60', '2024-01-01T10:00:00.', '2024-01-01T10:00:00.1234567890', '2024-01-01T10:00+25:00', '2024-01-01X', 'yesterday']) {
      expect([bad, parseIsoInstant(bad)]).toEqual([bad, undefined]);
    }
    expect(parseIsoDate('2000-02-29')).toBe(Date.UTC(2000, 1, 29) / 86_400_000);
    expect(parseIsoDate('1900-02-29')).toBeUndefined();
  });

  it('converts instants between units exactly, or refuses digits the unit cannot hold', () => {
    const i = parseIsoInstant('1969-12-31T23:59:59.999999999Z')!;
    expect(instantInUnit(i, 'ns')).toBe(-1);
    expect(instantInUnit(i, 'us')).toBeUndefined();
    expect(formatInstant(-1n, 'ns', true)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatInstant(253402300799999999n, 'us', false)).toBe('9999-12-31T23:59:59.999999');
    expect(instantInUnit(parseIsoInstant('2262-04-11T23:47:16.854775807Z')!, 'ns')).toBe(9223372036854775807n);
  });

  it('round-trips 64-bit integers and 128-bit decimals through their text', () => {
    expect(toInt64('9007199254740991')).toBe(9007199254740991);
    expect(toInt64('9007199254740993')).toBe(9007199254740993n);
    expect(toInt64('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(toInt64('9223372036854775808')).toBeUndefined();
    const text = (value: string, precision: number, scale: number) => {
      const d = parseDecimal(value, precision, scale);
      if (!d) return d;
      const words = new Uint32Array(4);
      writeDecimal128(words, 0, d);
      return decimal128Text(words, 0, scale);
    };
    expect(['1.5', '-0.00', '.5', '5.', '+3', '-12.340', '0012.5'].map((v) => text(v, 5, 2))).toEqual(['1.50', '0.00', '0.50', '5.00', '3.00', '-12.34', '12.50']);
    expect(['', '-', '1.234', '1234.5', '1e3', '1,5', '--1'].map((v) => text(v, 5, 2))).toEqual(Array(7).fill(undefined));
    expect(text('123456789012345678.5', 20, 1)).toBe('123456789012345678.5'); // beyond the fast path
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }), fc.integer({ min: 0, max: 38 }), (unscaled, scale) => {
        const abs = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
        const text = `${unscaled < 0n ? '-' : ''}${scale === 0 ? abs : `${abs.slice(0, -scale)}.${abs.slice(-scale)}`}`;
        const d = parseDecimal(text, 38, scale)!;
        const words = new Uint32Array(4);
        writeDecimal128(words, 0, d);
        expect(decimal128Text(words, 0, scale)).toBe(text);
      }),
      { numRuns: 2_000 },
    );
  });
});
