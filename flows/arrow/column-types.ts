/**
 * Column definitions: a small, JSON-friendly way to declare an Arrow schema (`{ name, type, nullable }`), and the
 * mapping between those types and Arrow's. Only the types listed in `ColumnType` are supported; an Arrow schema
 * with any other type is refused with the field named.
 */
import {
  Binary, Bool, DataType, DateDay, Decimal, Field, Float32, Float64, Int16, Int32, Int64, Int8, Null, Precision,
  Schema, TimeUnit, Timestamp, Type, Utf8, DateUnit,
} from 'apache-arrow';
import type { TimeUnitName } from './values';

/** A decimal of `precision` digits (1–38), `scale` of them after the point: an Arrow `Decimal128`. */
export interface DecimalType {
  readonly type: 'decimal';
  readonly precision: number;
  readonly scale: number;
}

/** An Arrow timestamp: `unit` (default `'us'`) and `timezone` (`'UTC'`, `'+02:00'`, `'Europe/Oslo'`; none = wall clock). */
export interface TimestampType {
  readonly type: 'timestamp';
  readonly unit?: TimeUnitName;
  readonly timezone?: string | null;
}

/**
 * The supported column types. Write large or arbitrary-precision decimals as `'utf8'` (decimal text);
 * `'date'` is a calendar day (`YYYY-MM-DD`); `'null'` is a column that holds only nulls.
 */
export type ColumnType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  | 'utf8'
  | 'binary'
  | 'date'
  | 'null'
  | DecimalType
  | TimestampType;

/**
 * One column: its name, type and whether it may hold nulls (default `true`).
 * @example const columns: ColumnDef[] = [{ name: 'id', type: 'int64', nullable: false }, { name: 'amount', type: { type: 'decimal', precision: 18, scale: 2 } }];
 */
export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable?: boolean;
}

/** How the builders and readers treat a column, derived from its Arrow type. */
export type ColumnKind =
  | { readonly kind: 'null' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'int'; readonly bits: 8 | 16 | 32 }
  | { readonly kind: 'int64' }
  | { readonly kind: 'float'; readonly bits: 32 | 64 }
  | { readonly kind: 'utf8' }
  | { readonly kind: 'binary' }
  | { readonly kind: 'date' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'timestamp'; readonly unit: TimeUnitName; readonly timezone: string | null };

const UNIT_TO_ARROW: Readonly<Record<TimeUnitName, TimeUnit>> = {
  s: TimeUnit.SECOND,
  ms: TimeUnit.MILLISECOND,
  us: TimeUnit.MICROSECOND,
  ns: TimeUnit.NANOSECOND,
};
const ARROW_TO_UNIT: readonly TimeUnitName[] = ['s', 'ms', 'us', 'ns'];

/** The Arrow type of a column type; throws naming `where` for an invalid definition. */
export function arrowType(type: ColumnType, where: string): DataType {
  if (typeof type === 'string') {
    switch (type) {
      case 'bool': return new Bool();
      case 'int8': return new Int8();
      case 'int16': return new Int16();
      case 'int32': return new Int32();
      case 'int64': return new Int64();
      case 'float32': return new Float32();
      case 'float64': return new Float64();
      case 'utf8': return new Utf8();
      case 'binary': return new Binary();
      case 'date': return new DateDay();
      case 'null': return new Null();
    }
  } else if (type !== null && typeof type === 'object') {
    if (type.type === 'decimal') {
      const { precision, scale } = type;
      if (!Number.isInteger(precision) || precision < 1 || precision > 38 || !Number.isInteger(scale) || scale < 0 || scale > precision) {
        throw new RangeError(
          `${where}: a decimal needs an integer precision 1-38 and scale 0-precision, got precision ${String(precision)}, ` +
            `scale ${String(scale)} (write larger decimals as 'utf8' text)`,
        );
      }
      return new Decimal(scale, precision, 128);
    }
    if (type.type === 'timestamp') {
      const unit = type.unit ?? 'us';
      if (!(unit in UNIT_TO_ARROW)) throw new RangeError(`${where}: timestamp unit must be 's', 'ms', 'us' or 'ns', got ${String(unit)}`);
      const tz = type.timezone ?? null;
      if (tz !== null && (typeof tz !== 'string' || tz === '')) throw new TypeError(`${where}: timezone must be a non-empty string or null`);
      return new Timestamp(UNIT_TO_ARROW[unit], tz);
    }
  }
  throw new TypeError(
    `${where}: unsupported column type ${JSON.stringify(type)}; expected one of bool, int8, int16, int32, int64, ` +
      `float32, float64, utf8, binary, date, null, { type: 'decimal', precision, scale }, { type: 'timestamp', unit, timezone }`,
  );
}

/** An Arrow field from a column definition. */
export function fieldOf(column: ColumnDef, where: string): Field {
  if (column === null || typeof column !== 'object' || typeof column.name !== 'string' || column.name === '') {
    throw new TypeError(`${where}: a column needs a non-empty string name, got ${JSON.stringify(column)}`);
  }
  return new Field(column.name, arrowType(column.type, `${where}: column '${column.name}'`), column.nullable ?? true);
}

/**
 * An Arrow schema from column definitions (names must be unique).
 * @example const schema = schemaOf([{ name: 'id', type: 'int64', nullable: false }, { name: 'name', type: 'utf8' }]);
 */
export function schemaOf(columns: readonly ColumnDef[], metadata?: ReadonlyMap<string, string>, where = 'schemaOf'): Schema {
  if (!Array.isArray(columns)) throw new TypeError(`${where}: columns must be an array of { name, type, nullable? }`);
  const seen = new Set<string>();
  const fields = columns.map((c) => {
    const f = fieldOf(c, where);
    if (seen.has(f.name)) throw new TypeError(`${where}: column '${f.name}' is declared twice`);
    seen.add(f.name);
    return f;
  });
  return new Schema(fields, new Map(metadata ?? []));
}

/** The column kind of an Arrow type, or `undefined` when it is not supported. */
export function kindOf(type: DataType): ColumnKind | undefined {
  switch (type.typeId) {
    case Type.Null: return { kind: 'null' };
    case Type.Bool: return { kind: 'bool' };
    case Type.Int: {
      const t = type as unknown as { readonly isSigned: boolean; readonly bitWidth: number };
      if (!t.isSigned) return undefined;
      return t.bitWidth === 64 ? { kind: 'int64' } : { kind: 'int', bits: t.bitWidth as 8 | 16 | 32 };
    }
    case Type.Float: {
      const p = (type as Float64).precision;
      return p === Precision.DOUBLE ? { kind: 'float', bits: 64 } : p === Precision.SINGLE ? { kind: 'float', bits: 32 } : undefined;
    }
    case Type.Utf8: return { kind: 'utf8' };
    case Type.Binary: return { kind: 'binary' };
    case Type.Date: return (type as DateDay).unit === DateUnit.DAY ? { kind: 'date' } : undefined;
    case Type.Decimal: {
      const d = type as Decimal;
      return d.bitWidth === 128 ? { kind: 'decimal', precision: d.precision, scale: d.scale } : undefined;
    }
    case Type.Timestamp: {
      const t = type as Timestamp;
      return { kind: 'timestamp', unit: ARROW_TO_UNIT[t.unit]!, timezone: t.timezone ?? null };
    }
    default:
      return undefined;
  }
}

/** The column kinds of a schema's fields; throws naming the first unsupported field. */
export function kindsOf(schema: Schema, where: string): ColumnKind[] {
  return schema.fields.map((f) => {
    const k = kindOf(f.type);
    if (!k) {
      throw new TypeError(
        `${where}: field '${f.name}' has Arrow type ${String(f.type)}, which is not supported; supported: Null, Bool, ` +
          `Int8/16/32/64, Float32/64, Utf8, Binary, Date32<DAY>, Decimal128, Timestamp`,
      );
    }
    return k;
  });
}

/**
 * The column definitions of a schema (the inverse of `schemaOf`).
 * @example columnsOf(batch.schema) // [{ name: 'id', type: 'int64', nullable: false }, …]
 */
export function columnsOf(schema: Schema): ColumnDef[] {
  return schema.fields.map((f, i) => {
    const k = kindsOf(schema, 'columnsOf')[i]!;
    return { name: f.name, type: columnTypeOf(k), nullable: f.nullable };
  });
}

function columnTypeOf(k: ColumnKind): ColumnType {
  switch (k.kind) {
    case 'int': return `int${k.bits}`;
    case 'float': return `float${k.bits}`;
    case 'decimal': return { type: 'decimal', precision: k.precision, scale: k.scale };
    case 'timestamp': return { type: 'timestamp', unit: k.unit, timezone: k.timezone };
    default: return k.kind;
  }
}
