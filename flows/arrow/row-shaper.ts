/**
 * Decides the schema each element is written with and lays its values out in field order: a fixed schema, a
 * schema per element from `columnsFn`, or a schema inferred from the first row and re-inferred when a row no
 * longer fits (a new field, a removed field, a value of another type). Never converts a value to fit.
 */
import type { Schema } from 'apache-arrow';
import { CHANGE_EVENT_COLUMNS, imageOf, isChangeEvent, tableOf, writeEventMetadata, type ChangeEventLike } from './change-events';
import { expected } from './column-builders';
import { kindsOf, schemaOf, columnsOf, type ColumnDef, type ColumnKind, type ColumnType } from './column-types';
import { RecordBatchSchemaError } from './errors';
import { schemaDifference, schemaFingerprint, stampSchema, TABLE_METADATA_KEY } from './schema-identity';
import { show } from './values';

/** How `toRecordBatches` gets the schema of the rows. Give exactly one of `schema`, `inferFrom`, `columnsFn`. */
export interface SchemaSource {
  /** A fixed schema (of the row image; change events get the metadata columns in front). */
  readonly schema?: Schema | readonly ColumnDef[];
  /** Infer the schema from the first row; a row that no longer fits starts a new schema (a schema change). */
  readonly inferFrom?: 'first';
  /**
   * The schema of each element (of its row image), e.g. looked up by table. Return the same object for the same
   * schema: results are cached by identity (a new but equal schema is not a change).
   */
  readonly columnsFn?: (element: any) => Schema | readonly ColumnDef[];
}

/** Options of the row shaper (a subset of `ToRecordBatchesOptions`). */
export interface ShaperOptions extends SchemaSource {
  /** The table recorded in the schema metadata of plain rows (change events carry their own). */
  readonly table?: string;
  /** `'auto'` (default): change events are flattened; `'never'`: every element is a plain row. */
  readonly flatten?: 'auto' | 'never';
  /** With `schema`/`columnsFn`: `'fail'` (default) on a field the schema does not have, or `'ignore'` it. */
  readonly unknownFields?: 'fail' | 'ignore';
}

/** The schema rows are currently written with, and how to lay a row out for it. */
export interface RowTarget {
  readonly schema: Schema;
  readonly fingerprint: string;
  readonly kinds: readonly ColumnKind[];
  /** Names of the image columns (after the metadata columns of change events). */
  readonly imageNames: readonly string[];
  readonly imageNameSet: ReadonlySet<string>;
  /** Whether the first `CHANGE_EVENT_COLUMNS.length` columns are change-event metadata. */
  readonly flattened: boolean;
  readonly table: string | undefined;
  /** Inferred schemas: the JavaScript kind of each image column (0: only nulls so far). */
  readonly codes?: Uint8Array;
}

const META = CHANGE_EVENT_COLUMNS.length;

// JavaScript kinds of values, for inference.
const NULL = 0;
const BOOL = 1;
const NUMBER = 2;
const BIGINT = 3;
const STRING = 4;
const DATE = 5;
const BYTES = 6;
const CODE_TYPES: readonly ColumnType[] = ['null', 'bool', 'float64', 'int64', 'utf8', { type: 'timestamp', unit: 'ms', timezone: 'UTC' }, 'binary'];

function kindCode(v: unknown): number {
  switch (typeof v) {
    case 'undefined': return NULL;
    case 'boolean': return BOOL;
    case 'number': return NUMBER;
    case 'bigint': return BIGINT;
    case 'string': return STRING;
    case 'object':
      if (v === null) return NULL;
      if (v instanceof Date) return DATE;
      if (v instanceof Uint8Array) return BYTES;
      return -1;
    default:
      return -1;
  }
}

function countKeys(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/** Lays out rows; `values` holds the current row after `shape`. */
export class RowShaper {
  /** The current row's values in field order (reused). */
  values: unknown[] = [];
  private current: RowTarget | undefined;
  private readonly fixed = new Map<string, RowTarget>();
  private readonly byColumns = new WeakMap<object, Map<string, RowTarget>>();
  private readonly mode: 'schema' | 'infer' | 'columnsFn';
  private readonly baseColumns: readonly ColumnDef[] | undefined;

  constructor(
    private readonly op: string,
    private readonly options: ShaperOptions,
  ) {
    const given = [options.schema !== undefined, options.inferFrom !== undefined, options.columnsFn !== undefined].filter(Boolean).length;
    if (given !== 1) throw new TypeError(`${op}: give exactly one of schema, inferFrom: 'first' or columnsFn (got ${given})`);
    if (options.inferFrom !== undefined && options.inferFrom !== 'first') {
      throw new TypeError(`${op}: inferFrom must be 'first', got ${JSON.stringify(options.inferFrom)}`);
    }
    if (options.columnsFn !== undefined && typeof options.columnsFn !== 'function') throw new TypeError(`${op}: columnsFn must be a function`);
    this.mode = options.schema !== undefined ? 'schema' : options.inferFrom !== undefined ? 'infer' : 'columnsFn';
    // Validates the schema now (at blueprint creation), naming the field.
    this.baseColumns = options.schema === undefined ? undefined : this.columnsFrom(options.schema);
  }

  /** The schema of the last row shaped. */
  get target(): RowTarget | undefined {
    return this.current;
  }

  /**
   * Lays out `element` (the `index`-th of the stream) in `values`; returns the target it fits, which is a new
   * one when the schema changed, with what changed.
   */
  shape(element: unknown, index: number): { readonly target: RowTarget; readonly change?: string } {
    const flattened = this.options.flatten !== 'never' && isChangeEvent(element);
    const image = flattened ? (imageOf(element) ?? {}) : element;
    if (image === null || typeof image !== 'object' || Array.isArray(image)) {
      throw new RecordBatchSchemaError(
        `${this.op}: element #${index} must be a plain object (a row) or a change event, got ${show(image)}`,
        undefined,
        index,
      );
    }
    const row = image as Readonly<Record<string, unknown>>;
    const table = flattened ? tableOf(element as ChangeEventLike) : this.options.table;
    const previous = this.current;
    let target: RowTarget;
    if (this.mode === 'infer') target = this.inferred(row, flattened, table, index);
    else {
      target = this.mode === 'schema' ? this.fixedTarget(flattened, table) : this.columnsFnTarget(element, flattened, table);
      this.layOut(target, row, index);
    }
    if (flattened) writeEventMetadata(element as ChangeEventLike, this.values);
    this.current = target;
    if (previous === undefined || previous === target) return { target };
    if (previous.fingerprint === target.fingerprint) {
      this.current = previous;
      return { target: previous };
    }
    return { target, change: schemaDifference(previous.schema, target.schema) };
  }

  /** Why `value` of field `i` was refused by its builder (fixed schemas). */
  refusal(target: RowTarget, field: number, index: number): RecordBatchSchemaError {
    const f = target.schema.fields[field]!;
    const value = this.values[field];
    const what =
      value === null || value === undefined
        ? `field '${f.name}' is not nullable, got ${value === undefined ? 'no value' : 'null'}`
        : `field '${f.name}' (${String(f.type)}) expected ${expected(target.kinds[field]!)}, got ${show(value)}`;
    return new RecordBatchSchemaError(`${this.op}: element #${index}: ${what}`, f.name, index);
  }

  private columnsFrom(given: Schema | readonly ColumnDef[]): readonly ColumnDef[] {
    if (Array.isArray(given)) {
      schemaOf(given, undefined, this.op); // validates
      return given;
    }
    if (given !== null && typeof given === 'object' && Array.isArray((given as Schema).fields)) {
      kindsOf(given as Schema, this.op);
      return columnsOf(given as Schema);
    }
    throw new TypeError(`${this.op}: schema must be an Arrow Schema or an array of { name, type, nullable? }, got ${show(given)}`);
  }

  private makeTarget(image: readonly ColumnDef[], flattened: boolean, table: string | undefined, codes?: Uint8Array): RowTarget {
    const names = image.map((c) => c.name);
    if (flattened) {
      const clash = names.find((n) => CHANGE_EVENT_COLUMNS.some((m) => m.name === n));
      if (clash !== undefined) {
        throw new TypeError(
          `${this.op}: the row image has a column '${clash}', which clashes with a change-event metadata column ` +
            `(${CHANGE_EVENT_COLUMNS.map((c) => c.name).join(', ')}); rename it with a map before toRecordBatches`,
        );
      }
    }
    const metadata = new Map<string, string>();
    if (table !== undefined) metadata.set(TABLE_METADATA_KEY, table);
    const schema = stampSchema(schemaOf(flattened ? [...CHANGE_EVENT_COLUMNS, ...image] : image, undefined, this.op), metadata);
    return {
      schema,
      fingerprint: schemaFingerprint(schema),
      kinds: kindsOf(schema, this.op),
      imageNames: names,
      imageNameSet: new Set(names),
      flattened,
      table,
      ...(codes ? { codes } : {}),
    };
  }

  private fixedTarget(flattened: boolean, table: string | undefined): RowTarget {
    const key = `${flattened ? 1 : 0}|${table ?? ''}`;
    let t = this.fixed.get(key);
    if (!t) {
      t = this.makeTarget(this.baseColumns!, flattened, table);
      this.fixed.set(key, t);
    }
    return t;
  }

  private columnsFnTarget(element: unknown, flattened: boolean, table: string | undefined): RowTarget {
    const given = this.options.columnsFn!(element);
    if (given === null || typeof given !== 'object') {
      throw new TypeError(`${this.op}: columnsFn must return an Arrow Schema or an array of columns, got ${show(given)}`);
    }
    let perKey = this.byColumns.get(given);
    if (!perKey) {
      perKey = new Map();
      this.byColumns.set(given, perKey);
    }
    const key = `${flattened ? 1 : 0}|${table ?? ''}`;
    let t = perKey.get(key);
    if (!t) {
      t = this.makeTarget(this.columnsFrom(given), flattened, table);
      perKey.set(key, t);
    }
    return t;
  }

  /** Fixed schemas: values in field order; missing fields are null; unknown fields fail (or are ignored). */
  private layOut(target: RowTarget, row: Readonly<Record<string, unknown>>, index: number): void {
    const names = target.imageNames;
    const offset = target.flattened ? META : 0;
    const values = this.values;
    let present = 0;
    for (let i = 0; i < names.length; i++) {
      const v = row[names[i]!];
      if (v !== undefined || names[i]! in row) present++;
      values[offset + i] = v;
    }
    values.length = offset + names.length;
    if (this.options.unknownFields !== 'ignore' && countKeys(row) > present) {
      const unknown = Object.keys(row).find((k) => !target.imageNameSet.has(k));
      throw new RecordBatchSchemaError(
        `${this.op}: element #${index} has field '${unknown}', which the schema does not have ` +
          `(${names.join(', ')}); add it to the schema, or set unknownFields: 'ignore'`,
        unknown,
        index,
      );
    }
  }

  /** Inferred schemas: the current target if the row fits it exactly, else a new one inferred from the row. */
  private inferred(row: Readonly<Record<string, unknown>>, flattened: boolean, table: string | undefined, index: number): RowTarget {
    const cur = this.current;
    if (cur !== undefined && cur.flattened === flattened && cur.table === table && this.fits(cur, row)) return cur;
    const old = cur !== undefined && cur.flattened === flattened && cur.table === table ? cur : undefined;
    const columns: ColumnDef[] = [];
    const codes: number[] = [];
    const add = (name: string, code: number): void => {
      if (code < 0) {
        throw new RecordBatchSchemaError(
          `${this.op}: element #${index}: cannot infer an Arrow type for field '${name}' from ${show(row[name])}; ` +
            `supported values are booleans, numbers, bigints, strings, Dates, Uint8Arrays and null (give a schema or columnsFn for others)`,
          name,
          index,
        );
      }
      columns.push({ name, type: CODE_TYPES[code]!, nullable: true });
      codes.push(code);
    };
    if (old) {
      old.imageNames.forEach((name, i) => {
        if (!(name in row)) return; // the field was removed
        const code = kindCode(row[name]);
        add(name, code === NULL ? old.codes![i]! : code);
      });
    }
    for (const name of Object.keys(row)) if (!old?.imageNameSet.has(name)) add(name, kindCode(row[name]));
    const target = this.makeTarget(columns, flattened, table, Uint8Array.from(codes));
    this.fits(target, row);
    return target;
  }

  /** Whether the row has exactly the target's fields with values of their kinds (or null); lays it out if so. */
  private fits(target: RowTarget, row: Readonly<Record<string, unknown>>): boolean {
    const names = target.imageNames;
    const codes = target.codes!;
    const offset = target.flattened ? META : 0;
    const values = this.values;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const v = row[name];
      if (v === undefined && !(name in row)) return false;
      const code = kindCode(v);
      if (code !== NULL && code !== codes[i]) return false;
      values[offset + i] = v;
    }
    values.length = offset + names.length;
    return countKeys(row) === names.length;
  }
}
