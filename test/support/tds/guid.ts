/**
 * UNIQUEIDENTIFIER byte order: SQL Server stores the first three groups little-endian ("mixed-endian"),
 * the last two as written.
 *
 * @example
 * guidToBytes('01020304-0506-0708-090A-0B0C0D0E0F10'); // <04 03 02 01 06 05 08 07 09 0a 0b 0c 0d 0e 0f 10>
 * bytesToGuid(guidToBytes(g)) === g.toUpperCase(); // true
 */
const GUID = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

/** The 16 wire bytes of a GUID string. */
export function guidToBytes(value: unknown, what = 'uniqueidentifier'): Buffer {
  const m = typeof value === 'string' ? GUID.exec(value) : null;
  if (m === null) throw new TypeError(`${what}: expected a GUID string 'XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX', got ${String(value)}`);
  const hex = (s: string): Buffer => Buffer.from(s, 'hex');
  return Buffer.concat([
    hex(m[1] as string).reverse(),
    hex(m[2] as string).reverse(),
    hex(m[3] as string).reverse(),
    hex(m[4] as string),
    hex(m[5] as string),
  ]);
}

/** The upper-case GUID string of 16 wire bytes (what tedious returns by default). */
export function bytesToGuid(b: Buffer): string {
  const h = (start: number, end: number, reverse: boolean): string => {
    const part = Buffer.from(b.subarray(start, end));
    return (reverse ? part.reverse() : part).toString('hex');
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`.toUpperCase();
}
