import fc from 'fast-check';
import { fromScaledInteger, toScaledInteger } from '../support/tds/decimal';
import { bytesToGuid, guidToBytes } from '../support/tds/guid';
import { DAYS_0001_TO_1970, parseTemporal, temporalToDate, toUtc } from '../support/tds/temporal';

/** The exact conversions behind the TDS test server's encoders (properties; the wire round trips are elsewhere). */

describe('decimal', () => {
  it('round-trips any scaled integer through its text exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }), fc.integer({ min: 0, max: 38 }), (scaled, scale) => {
        expect(toScaledInteger(fromScaledInteger(scaled, scale), scale, 'v')).toBe(scaled);
      }),
    );
  });

  it('rounds half away from zero beyond the scale, as SQL Server converts', () => {
    expect(toScaledInteger('1.005', 2, 'v')).toBe(101n);
    expect(toScaledInteger('-1.005', 2, 'v')).toBe(-101n);
    expect(toScaledInteger('-1.004', 2, 'v')).toBe(-100n);
    expect(toScaledInteger(12, 3, 'v')).toBe(12000n);
    expect(fromScaledInteger(-5n, 4)).toBe('-0.0005');
  });

  it('names the field when the text is not a decimal', () => {
    expect(() => toScaledInteger('12,5', 2, "column 'amount' row 3")).toThrow("column 'amount' row 3: expected a decimal like '-123.45', got '12,5'");
  });
});

describe('uniqueidentifier', () => {
  it('stores the first three groups little-endian and round-trips', () => {
    expect(guidToBytes('01020304-0506-0708-090a-0b0c0d0e0f10').toString('hex')).toBe('04030201060508070' + '90a0b0c0d0e0f10');
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(bytesToGuid(guidToBytes(uuid))).toBe(uuid.toUpperCase());
      }),
    );
  });
});

describe('temporal', () => {
  it('agrees with Date for every instant in range (days since 0001-01-01, 100 ns ticks)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (date) => {
        const t = parseTemporal(date, 'v');
        expect(temporalToDate(t.days, t.ticks)).toEqual(date);
        const iso = date.toISOString();
        if (/^\d{4}-/.test(iso)) expect(parseTemporal(iso.replace('Z', ''), 'v')).toEqual(t);
      }),
    );
  });

  it('keeps 100 ns digits and converts offsets to UTC across midnight', () => {
    const t = parseTemporal('2024-01-01T00:30:00.1234567+02:00', 'v');
    expect(t.ticks % 10_000).toBe(4567);
    const utc = toUtc(t);
    expect(temporalToDate(utc.days, utc.ticks).toISOString()).toBe('2023-12-31T22:30:00.123Z');
    expect(parseTemporal('0001-01-01', 'v').days).toBe(0);
    expect(parseTemporal('1970-01-01', 'v').days).toBe(DAYS_0001_TO_1970);
  });

  it('rejects impossible dates naming the field', () => {
    expect(() => parseTemporal('2023-02-29', "column 'at' row 0")).toThrow("column 'at' row 0: invalid date '2023-02-29'");
    expect(() => parseTemporal(42, "column 'at' row 0")).toThrow('expected a Date or an ISO date/time string');
  });
});
