import { fromScaledInteger } from './decimal';
import { bytesToGuid } from './guid';
import { MAX_LENGTH_MARKER, PLP_NULL, TypeId } from './protocol';
import { DAYS_1900_TO_1970, DAYS_0001_TO_1970, TICKS_PER_DAY, temporalToDate } from './temporal';
import { TdsProtocolError, type TdsReader } from './wire';

/** A parameter's TYPE_INFO (2.2.5.6) as the client sent it. */
export interface ParamTypeInfo {
  readonly id: number;
  /** Declared max length in bytes (0xFFFF = `(max)`, sent as PLP), or the fixed/variable length byte. */
  readonly length: number;
  readonly precision: number;
  readonly scale: number;
  /** SQL declaration: 'int', 'nvarchar(128)', 'binary(10)', 'decimal(18,4)', 'datetime2(7)', … */
  readonly declaration: string;
}

/**
 * Reads a parameter TYPE_INFO and names its SQL type.
 *
 * @example
 * const info = readParamTypeInfo(reader, '@from_lsn'); // { id: 0xAD, length: 10, declaration: 'binary(10)', ... }
 * const value = readParamValue(reader, info, '@from_lsn'); // <Buffer ...>
 */
export function readParamTypeInfo(r: TdsReader, field: string): ParamTypeInfo {
  const id = r.u8(`${field} type`);
  const info = (length: number, declaration: string, precision = 0, scale = 0): ParamTypeInfo => ({
    id,
    length,
    precision,
    scale,
    declaration,
  });
  switch (id) {
    case TypeId.INT1:
      return info(1, 'tinyint');
    case TypeId.INT2:
      return info(2, 'smallint');
    case TypeId.INT4:
      return info(4, 'int');
    case TypeId.INT8:
      return info(8, 'bigint');
    case TypeId.BIT:
      return info(1, 'bit');
    case TypeId.FLT4:
      return info(4, 'real');
    case TypeId.FLT8:
      return info(8, 'float');
    case TypeId.MONEY:
      return info(8, 'money');
    case TypeId.MONEY4:
      return info(4, 'smallmoney');
    case TypeId.DATETIME:
      return info(8, 'datetime');
    case TypeId.DATETIM4:
      return info(4, 'smalldatetime');
    case TypeId.INTN: {
      const len = r.u8(`${field} length`);
      return info(len, ({ 1: 'tinyint', 2: 'smallint', 4: 'int', 8: 'bigint' } as Record<number, string>)[len] ?? `intn(${len})`);
    }
    case TypeId.BITN:
      return info(r.u8(`${field} length`), 'bit');
    case TypeId.FLTN: {
      const len = r.u8(`${field} length`);
      return info(len, len === 4 ? 'real' : 'float');
    }
    case TypeId.MONEYN: {
      const len = r.u8(`${field} length`);
      return info(len, len === 4 ? 'smallmoney' : 'money');
    }
    case TypeId.DATETIMN: {
      const len = r.u8(`${field} length`);
      return info(len, len === 4 ? 'smalldatetime' : 'datetime');
    }
    case TypeId.GUID:
      return info(r.u8(`${field} length`), 'uniqueidentifier');
    case TypeId.DECIMALN:
    case TypeId.NUMERICN: {
      const len = r.u8(`${field} length`);
      const precision = r.u8(`${field} precision`);
      const scale = r.u8(`${field} scale`);
      return info(len, `${id === TypeId.DECIMALN ? 'decimal' : 'numeric'}(${precision},${scale})`, precision, scale);
    }
    case TypeId.DATEN:
      return info(3, 'date');
    case TypeId.TIMEN:
    case TypeId.DATETIME2N:
    case TypeId.DATETIMEOFFSETN: {
      const scale = r.u8(`${field} scale`);
      const name = id === TypeId.TIMEN ? 'time' : id === TypeId.DATETIME2N ? 'datetime2' : 'datetimeoffset';
      return info(0, `${name}(${scale})`, 0, scale);
    }
    case TypeId.BIGVARCHR:
    case TypeId.BIGCHAR:
    case TypeId.NVARCHAR:
    case TypeId.NCHAR: {
      const len = r.u16(`${field} max length`);
      r.skip(5, `${field} collation`);
      const unicode = id === TypeId.NVARCHAR || id === TypeId.NCHAR;
      const name = { [TypeId.BIGVARCHR]: 'varchar', [TypeId.BIGCHAR]: 'char', [TypeId.NVARCHAR]: 'nvarchar', [TypeId.NCHAR]: 'nchar' }[id];
      const size = len === MAX_LENGTH_MARKER ? 'max' : String(unicode ? len / 2 : len);
      return info(len, `${name}(${size})`);
    }
    case TypeId.BIGVARBIN:
    case TypeId.BIGBINARY: {
      const len = r.u16(`${field} max length`);
      const size = len === MAX_LENGTH_MARKER ? 'max' : String(len);
      return info(len, `${id === TypeId.BIGBINARY ? 'binary' : 'varbinary'}(${size})`);
    }
    case TypeId.TEXT:
    case TypeId.NTEXT: {
      const len = r.i32(`${field} max length`);
      r.skip(5, `${field} collation`);
      return info(len, id === TypeId.TEXT ? 'text' : 'ntext');
    }
    case TypeId.IMAGE:
      return info(r.i32(`${field} max length`), 'image');
    default:
      throw new TdsProtocolError(
        `RPC parameter ${field}: type 0x${id.toString(16)} is not supported by the TDS test server (TVP, UDT, XML and sql_variant are not implemented)`,
      );
  }
}

/** Reads a parameter value of `info` (2.2.6.6 ParamLenData): see {@link SqlParam.value} for the JS mapping. */
export function readParamValue(r: TdsReader, info: ParamTypeInfo, field: string): unknown {
  switch (info.id) {
    case TypeId.INT1:
    case TypeId.INT2:
    case TypeId.INT4:
    case TypeId.INT8:
    case TypeId.BIT:
    case TypeId.FLT4:
    case TypeId.FLT8:
    case TypeId.MONEY:
    case TypeId.MONEY4:
    case TypeId.DATETIME:
    case TypeId.DATETIM4:
      return readFixed(r, info.id, info.length, field);
    case TypeId.INTN:
    case TypeId.BITN:
    case TypeId.FLTN:
    case TypeId.MONEYN:
    case TypeId.DATETIMN: {
      const len = r.u8(`${field} value length`);
      if (len === 0) return null;
      const fixedId = fixedIdOf(info.id, len);
      return readFixed(r, fixedId, len, field);
    }
    case TypeId.GUID: {
      const len = r.u8(`${field} value length`);
      return len === 0 ? null : bytesToGuid(r.bytes(16, field));
    }
    case TypeId.DECIMALN:
    case TypeId.NUMERICN: {
      const len = r.u8(`${field} value length`);
      if (len === 0) return null;
      const sign = r.u8(`${field} sign`);
      const magnitude = r.uintN(len - 1, field);
      return fromScaledInteger(sign === 1 ? magnitude : -magnitude, info.scale);
    }
    case TypeId.DATEN: {
      const len = r.u8(`${field} value length`);
      return len === 0 ? null : temporalToDate(Number(r.uintN(3, field)), 0);
    }
    case TypeId.TIMEN:
    case TypeId.DATETIME2N:
    case TypeId.DATETIMEOFFSETN: {
      const len = r.u8(`${field} value length`);
      if (len === 0) return null;
      const extra = info.id === TypeId.TIMEN ? 0 : info.id === TypeId.DATETIME2N ? 3 : 5;
      const units = Number(r.uintN(len - extra, `${field} time`));
      const ticks = units * 10 ** (7 - info.scale);
      if (info.id === TypeId.TIMEN) return temporalToDate(DAYS_0001_TO_1970, ticks % TICKS_PER_DAY);
      const days = Number(r.uintN(3, `${field} date`));
      if (info.id === TypeId.DATETIMEOFFSETN) r.i16(`${field} offset`);
      return temporalToDate(days, ticks);
    }
    case TypeId.BIGVARCHR:
    case TypeId.BIGCHAR:
    case TypeId.NVARCHAR:
    case TypeId.NCHAR:
    case TypeId.BIGVARBIN:
    case TypeId.BIGBINARY: {
      const bytes = info.length === MAX_LENGTH_MARKER ? readPlp(r, field) : readUShortBytes(r, field);
      if (bytes === null) return null;
      if (info.id === TypeId.NVARCHAR || info.id === TypeId.NCHAR) return bytes.toString('ucs2');
      if (info.id === TypeId.BIGVARCHR || info.id === TypeId.BIGCHAR) return bytes.toString('latin1');
      return bytes;
    }
    case TypeId.TEXT:
    case TypeId.NTEXT:
    case TypeId.IMAGE: {
      const len = r.i32(`${field} value length`);
      if (len === -1) return null;
      const bytes = r.bytes(len, field);
      return info.id === TypeId.NTEXT ? bytes.toString('ucs2') : info.id === TypeId.TEXT ? bytes.toString('latin1') : bytes;
    }
    default:
      throw new TdsProtocolError(`RPC parameter ${field}: cannot read a value of type 0x${info.id.toString(16)}`);
  }
}

function fixedIdOf(nullableId: number, len: number): number {
  switch (nullableId) {
    case TypeId.INTN:
      return ({ 1: TypeId.INT1, 2: TypeId.INT2, 4: TypeId.INT4, 8: TypeId.INT8 } as Record<number, number>)[len] ?? -1;
    case TypeId.BITN:
      return TypeId.BIT;
    case TypeId.FLTN:
      return len === 4 ? TypeId.FLT4 : TypeId.FLT8;
    case TypeId.MONEYN:
      return len === 4 ? TypeId.MONEY4 : TypeId.MONEY;
    default:
      return len === 4 ? TypeId.DATETIM4 : TypeId.DATETIME;
  }
}

function readFixed(r: TdsReader, id: number, len: number, field: string): unknown {
  switch (id) {
    case TypeId.INT1:
      return r.u8(field);
    case TypeId.INT2:
      return r.i16(field);
    case TypeId.INT4:
      return r.i32(field);
    case TypeId.INT8:
      return r.i64(field).toString();
    case TypeId.BIT:
      return r.u8(field) !== 0;
    case TypeId.FLT4:
      return r.f32(field);
    case TypeId.FLT8:
      return r.f64(field);
    case TypeId.MONEY4:
      return fromScaledInteger(BigInt(r.i32(field)), 4);
    case TypeId.MONEY: {
      const high = BigInt(r.i32(`${field} high`));
      const low = BigInt(r.u32(`${field} low`));
      return fromScaledInteger((high << 32n) | low, 4);
    }
    case TypeId.DATETIME: {
      const days = r.i32(`${field} days`);
      const ticks300 = r.u32(`${field} time`);
      const ms = Math.round((ticks300 * 10) / 3);
      return new Date((days - DAYS_1900_TO_1970) * 86_400_000 + ms);
    }
    case TypeId.DATETIM4: {
      const days = r.u16(`${field} days`);
      const minutes = r.u16(`${field} minutes`);
      return new Date((days - DAYS_1900_TO_1970) * 86_400_000 + minutes * 60_000);
    }
    default:
      throw new TdsProtocolError(`RPC parameter ${field}: unexpected length ${len} for type 0x${id.toString(16)}`);
  }
}

function readUShortBytes(r: TdsReader, field: string): Buffer | null {
  const len = r.u16(`${field} value length`);
  return len === 0xffff ? null : r.bytes(len, field);
}

/** PLP: 8-byte total (or NULL / unknown marker), chunks of 4-byte length + data, zero terminator. */
function readPlp(r: TdsReader, field: string): Buffer | null {
  const total = r.u64(`${field} PLP length`);
  if (total === PLP_NULL) return null;
  const chunks: Buffer[] = [];
  for (;;) {
    const n = r.u32(`${field} PLP chunk length`);
    if (n === 0) break;
    chunks.push(r.bytes(n, `${field} PLP chunk`));
  }
  return Buffer.concat(chunks);
}
