import type { ColumnSpec, ColumnTypeName } from './api';
import { decimalLength, toScaledInteger } from './decimal';
import { guidToBytes } from './guid';
import { DEFAULT_COLLATION, MAX_LENGTH_MARKER, NULL_USHORT, PLP_NULL, TypeId } from './protocol';
import { DAYS_1900_TO_1970, DAYS_0001_TO_1970, parseTemporal, scaleTime, timeLength, toUtc } from './temporal';
import type { TdsWriter } from './wire';

/**
 * How one result-set column is described (COLMETADATA TYPE_INFO) and how its values are encoded (ROW/NBCROW).
 * Built once per result set from a {@link ColumnSpec}.
 *
 * @example
 * const codec = columnCodec({ name: 'lsn', type: 'binary', length: 10 });
 * codec.writeTypeInfo(w);
 * codec.writeValue(w, lsnBuffer, 'row 0');
 */
export interface ColumnCodec {
  readonly name: string;
  readonly nullable: boolean;
  /** TYPE_INFO (after UserType and Flags), plus TableName for text types. */
  writeTypeInfo(w: TdsWriter): void;
  /** A non-null value, length prefix included. `where` names the row in errors. */
  writeValue(w: TdsWriter, value: unknown, where: string): void;
  /** NULL in a ROW token (NBCROW omits it instead). */
  writeNull(w: TdsWriter): void;
}

const PLP_CHUNK = 64 * 1024;

/** Builds the codec of a column; throws naming the column when the spec is invalid. */
export function columnCodec(spec: ColumnSpec): ColumnCodec {
  const name = spec.name;
  const nullable = spec.nullable ?? true;
  const what = (where: string): string => `column '${name}' (${spec.type}) ${where}`;
  const base = { name, nullable };
  const type = normaliseType(spec);

  switch (type) {
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint': {
      const len = { tinyint: 1, smallint: 2, int: 4, bigint: 8 }[type];
      return {
        ...base,
        writeTypeInfo: (w) => void w.u8(TypeId.INTN).u8(len),
        writeValue: (w, v, where) => writeInteger(w.u8(len), v, len, what(where)),
        writeNull: (w) => void w.u8(0),
      };
    }
    case 'bit':
      return {
        ...base,
        writeTypeInfo: (w) => void w.u8(TypeId.BITN).u8(1),
        writeValue: (w, v, where) => {
          if (typeof v !== 'boolean' && v !== 0 && v !== 1) throw new TypeError(`${what(where)}: expected boolean or 0/1, got ${String(v)}`);
          w.u8(1).u8(v === true || v === 1 ? 1 : 0);
        },
        writeNull: (w) => void w.u8(0),
      };
    case 'float':
    case 'real': {
      const len = type === 'float' ? 8 : 4;
      return {
        ...base,
        writeTypeInfo: (w) => void w.u8(TypeId.FLTN).u8(len),
        writeValue: (w, v, where) => {
          if (typeof v !== 'number') throw new TypeError(`${what(where)}: expected a number, got ${typeof v}`);
          if (len === 8) w.u8(8).f64(v);
          else w.u8(4).f32(v);
        },
        writeNull: (w) => void w.u8(0),
      };
    }
    case 'decimal':
    case 'numeric': {
      const precision = spec.precision ?? 18;
      const scale = spec.scale ?? 0;
      if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
        throw new RangeError(`column '${name}': ${type}(${precision},${scale}) needs 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision`);
      }
      const len = decimalLength(precision);
      const limit = 10n ** BigInt(precision);
      return {
        ...base,
        writeTypeInfo: (w) => void w.u8(type === 'decimal' ? TypeId.DECIMALN : TypeId.NUMERICN).u8(len).u8(precision).u8(scale),
        writeValue: (w, v, where) => {
          const scaled = toScaledInteger(v, scale, what(where));
          const magnitude = scaled < 0n ? -scaled : scaled;
          if (magnitude >= limit) throw new RangeError(`${what(where)}: ${String(v)} does not fit ${type}(${precision},${scale})`);
          w.u8(len).u8(scaled < 0n ? 0 : 1).uintN(magnitude, len - 1);
        },
        writeNull: (w) => void w.u8(0),
      };
    }
    case 'money':
    case 'smallmoney': {
      const len = type === 'money' ? 8 : 4;
      return {
        ...base,
        writeTypeInfo: (w) => void w.u8(TypeId.MONEYN).u8(len),
        writeValue: (w, v, where) => {
          const scaled = toScaledInteger(v, 4, what(where));
          if (len === 4) {
            if (scaled < -(2n ** 31n) || scaled >= 2n ** 31n) throw new RangeError(`${what(where)}: ${String(v)} out of smallmoney range`);
            w.u8(4).i32(Number(scaled));
          } else {
            if (scaled < -(2n ** 63n) || scaled >= 2n ** 63n) throw new RangeError(`${what(where)}: ${String(v)} out of money range`);
            const u = BigInt.asUintN(64, scaled);
            w.u8(8).i32(Number(BigInt.asIntN(32, u >> 32n))).u32(Number(u & 0xffffffffn));
          }
        },
        writeNull: (w) => void w.u8(0),
      };
    }
    case 'nvarchar':
    case 'nchar':
    case 'varchar':
    case 'char':
      return characterCodec(base, spec, type, what);
    case 'binary':
    case 'varbinary':
      return binaryCodec(base, spec, type, what);
    case 'nvarchar(max)':
    case 'varchar(max)':
    case 'varbinary(max)':
      return plpCodec(base, type, what);
    case 'ntext':
      return {
        ...base,
        writeTypeInfo: (w) => void w.u8(TypeId.NTEXT).u32(0x7ffffffe).bytes(DEFAULT_COLLATION).u8(0),
        writeValue: (w, v, where) => {
          const text = expectString(v, what(where));
          // TextPtr (16 bytes), TimeStamp (8 bytes), then a 4-byte length and the UCS-2 data.
          w.u8(16).bytes(TEXT_POINTER).bytes(TEXT_TIMESTAMP).u32(text.length * 2).ucs2(text);
        },
        writeNull: (w) => void w.u8(0),
      };
    case 'datetime':
    case 'smalldatetime': {
      const len = type === 'datetime' ? 8 : 4;
      return {
        ...base,
        writeTypeInfo: (w) => void w.u8(TypeId.DATETIMN).u8(len),
        writeValue: (w, v, where) => {
          const t = parseTemporal(v, what(where));
          let days = t.days - DAYS_0001_TO_1970 + DAYS_1900_TO_1970;
          if (len === 8) {
            let ticks300 = Math.round((t.ticks * 3) / 100_000);
            if (ticks300 >= 25_920_000) {
              ticks300 -= 25_920_000;
              days += 1;
            }
            w.u8(8).i32(days).u32(ticks300);
          } else {
            let minutes = Math.round(t.ticks / 600_000_000);
            if (minutes >= 1440) {
              minutes -= 1440;
              days += 1;
            }
            if (days < 0 || days > 0xffff) throw new RangeError(`${what(where)}: ${String(v)} out of smalldatetime range`);
            w.u8(4).u16(days).u16(minutes);
          }
        },
        writeNull: (w) => void w.u8(0),
      };
    }
    case 'date':
      return {
        ...base,
        writeTypeInfo: (w) => void w.u8(TypeId.DATEN),
        writeValue: (w, v, where) => void w.u8(3).uintN(BigInt(parseTemporal(v, what(where)).days), 3),
        writeNull: (w) => void w.u8(0),
      };
    case 'time':
    case 'datetime2':
    case 'datetimeoffset': {
      const scale = spec.scale ?? 7;
      if (scale < 0 || scale > 7) throw new RangeError(`column '${name}': ${type}(${scale}) needs 0 ≤ scale ≤ 7`);
      const tl = timeLength(scale);
      const id = type === 'time' ? TypeId.TIMEN : type === 'datetime2' ? TypeId.DATETIME2N : TypeId.DATETIMEOFFSETN;
      return {
        ...base,
        writeTypeInfo: (w) => void w.u8(id).u8(scale),
        writeValue: (w, v, where) => {
          const parsed = parseTemporal(v, what(where));
          if (type === 'time') {
            const { units } = scaleTime(parsed, scale);
            w.u8(tl).uintN(BigInt(units % (86_400 * 10 ** scale)), tl);
          } else if (type === 'datetime2') {
            const { days, units } = scaleTime(parsed, scale);
            w.u8(tl + 3).uintN(BigInt(units), tl).uintN(BigInt(days), 3);
          } else {
            const { days, units } = scaleTime(toUtc(parsed), scale);
            w.u8(tl + 5).uintN(BigInt(units), tl).uintN(BigInt(days), 3).i16(parsed.offsetMinutes);
          }
        },
        writeNull: (w) => void w.u8(0),
      };
    }
    case 'uniqueidentifier':
      return {
        ...base,
        writeTypeInfo: (w) => void w.u8(TypeId.GUID).u8(16),
        writeValue: (w, v, where) => void w.u8(16).bytes(guidToBytes(v, what(where))),
        writeNull: (w) => void w.u8(0),
      };
  }
}

const TEXT_POINTER = Buffer.alloc(16, 0xaa);
const TEXT_TIMESTAMP = Buffer.alloc(8, 0);

type NormalisedType = ColumnTypeName;

function normaliseType(spec: ColumnSpec): NormalisedType {
  if (spec.length === 'max') {
    if (spec.type === 'nvarchar' || spec.type === 'varchar' || spec.type === 'varbinary') return `${spec.type}(max)`;
    throw new TypeError(`column '${spec.name}': length 'max' applies to nvarchar, varchar and varbinary, not ${spec.type}`);
  }
  return spec.type;
}

function writeInteger(w: TdsWriter, v: unknown, len: number, what: string): void {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^-?\d+$/.test(v)) n = BigInt(v);
  else throw new TypeError(`${what}: expected an integer, got ${typeof v} ${String(v)}`);
  const [min, max] =
    len === 1 ? [0n, 255n] : len === 2 ? [-32768n, 32767n] : len === 4 ? [-(2n ** 31n), 2n ** 31n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
  if (n < min || n > max) throw new RangeError(`${what}: ${n} out of range [${min}, ${max}]`);
  if (len === 1) w.u8(Number(n));
  else if (len === 2) w.i16(Number(n));
  else if (len === 4) w.i32(Number(n));
  else w.i64(n);
}

function expectString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new TypeError(`${what}: expected a string, got ${typeof v}`);
  return v;
}

function expectBytes(v: unknown, what: string): Buffer {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError(`${what}: expected a Buffer/Uint8Array, got ${typeof v}`);
}

/** Single-byte text: SQL_Latin1_General_CP1 is code page 1252; latin1 matches it outside 0x80–0x9F. */
function encodeSingleByte(s: string, what: string): Buffer {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) throw new RangeError(`${what}: character '${s[i]}' is not in code page 1252; use nvarchar`);
  }
  return Buffer.from(s, 'latin1');
}

function characterCodec(
  base: { name: string; nullable: boolean },
  spec: ColumnSpec,
  type: 'nvarchar' | 'nchar' | 'varchar' | 'char',
  what: (where: string) => string,
): ColumnCodec {
  const unicode = type === 'nvarchar' || type === 'nchar';
  const fixed = type === 'nchar' || type === 'char';
  const maxChars = unicode ? 4000 : 8000;
  const length = typeof spec.length === 'number' ? spec.length : fixed ? 1 : maxChars;
  if (!Number.isInteger(length) || length < 1 || length > maxChars) {
    throw new RangeError(`column '${spec.name}': ${type}(${length}) needs 1 ≤ length ≤ ${maxChars} (use length 'max' for more)`);
  }
  const id = { nvarchar: TypeId.NVARCHAR, nchar: TypeId.NCHAR, varchar: TypeId.BIGVARCHR, char: TypeId.BIGCHAR }[type];
  const byteLength = unicode ? length * 2 : length;
  return {
    ...base,
    writeTypeInfo: (w) => void w.u8(id).u16(byteLength).bytes(DEFAULT_COLLATION),
    writeValue: (w, v, where) => {
      let text = expectString(v, what(where));
      if (text.length > length) throw new RangeError(`${what(where)}: ${text.length} characters exceed ${type}(${length})`);
      if (fixed) text = text.padEnd(length, ' ');
      if (unicode) w.u16(text.length * 2).ucs2(text);
      else {
        const bytes = encodeSingleByte(text, what(where));
        w.u16(bytes.length).bytes(bytes);
      }
    },
    writeNull: (w) => void w.u16(NULL_USHORT),
  };
}

function binaryCodec(
  base: { name: string; nullable: boolean },
  spec: ColumnSpec,
  type: 'binary' | 'varbinary',
  what: (where: string) => string,
): ColumnCodec {
  const length = typeof spec.length === 'number' ? spec.length : type === 'binary' ? 1 : 8000;
  if (!Number.isInteger(length) || length < 1 || length > 8000) {
    throw new RangeError(`column '${spec.name}': ${type}(${length}) needs 1 ≤ length ≤ 8000 (use varbinary(max) for more)`);
  }
  return {
    ...base,
    writeTypeInfo: (w) => void w.u8(type === 'binary' ? TypeId.BIGBINARY : TypeId.BIGVARBIN).u16(length),
    writeValue: (w, v, where) => {
      let bytes = expectBytes(v, what(where));
      if (bytes.length > length) throw new RangeError(`${what(where)}: ${bytes.length} bytes exceed ${type}(${length})`);
      if (type === 'binary' && bytes.length < length) bytes = Buffer.concat([bytes, Buffer.alloc(length - bytes.length)]);
      w.u16(bytes.length).bytes(bytes);
    },
    writeNull: (w) => void w.u16(NULL_USHORT),
  };
}

function plpCodec(
  base: { name: string; nullable: boolean },
  type: 'nvarchar(max)' | 'varchar(max)' | 'varbinary(max)',
  what: (where: string) => string,
): ColumnCodec {
  const id = type === 'nvarchar(max)' ? TypeId.NVARCHAR : type === 'varchar(max)' ? TypeId.BIGVARCHR : TypeId.BIGVARBIN;
  const collated = type !== 'varbinary(max)';
  return {
    ...base,
    writeTypeInfo: (w) => {
      w.u8(id).u16(MAX_LENGTH_MARKER);
      if (collated) w.bytes(DEFAULT_COLLATION);
    },
    writeValue: (w, v, where) => {
      const bytes =
        type === 'nvarchar(max)'
          ? Buffer.from(expectString(v, what(where)), 'ucs2')
          : type === 'varchar(max)'
            ? encodeSingleByte(expectString(v, what(where)), what(where))
            : expectBytes(v, what(where));
      // PLP: total length, then chunks (4-byte length + data), then a zero-length terminator chunk.
      w.u64(BigInt(bytes.length));
      for (let offset = 0; offset < bytes.length; offset += PLP_CHUNK) {
        const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + PLP_CHUNK));
        w.u32(chunk.length).bytes(chunk);
      }
      w.u32(0);
    },
    writeNull: (w) => void w.u64(PLP_NULL),
  };
}
