/**
 * Change events (the SQL Server CDC source's `ChangeEvent`, or any Debezium-style event) flattened into rows:
 * the event's metadata columns first, then the columns of the row image.
 */
import type { ColumnDef } from './column-types';

/** A change event as the CDC source emits it; only the fields used here are required. */
export interface ChangeEventLike {
  /** `c` insert, `u` update, `d` delete, `r` snapshot read. */
  readonly op: 'c' | 'u' | 'd' | 'r';
  readonly before?: Readonly<Record<string, unknown>> | null;
  readonly after?: Readonly<Record<string, unknown>> | null;
  readonly key?: unknown;
  readonly source: {
    readonly commitLsn?: unknown;
    readonly seqval?: unknown;
    readonly commitTime?: unknown;
    readonly schema?: string;
    readonly table?: string;
    readonly [field: string]: unknown;
  };
  /** The event's deterministic id (`<db>:<ci>:<commitLsn>:<seqval>:<op>`). */
  readonly id?: string;
}

/**
 * The metadata columns a flattened change event starts with, in this order (all text): `op`, `commit_lsn`,
 * `seqval`, `commit_time`, `source_table` (`schema.table`) and `event_id`. Then come the columns of `after`
 * (of `before` for a delete).
 * @example toRecordBatches({ schema: orderColumns }) // change events: CHANGE_EVENT_COLUMNS, then orderColumns
 */
export const CHANGE_EVENT_COLUMNS: readonly ColumnDef[] = [
  { name: 'op', type: 'utf8', nullable: false },
  { name: 'commit_lsn', type: 'utf8' },
  { name: 'seqval', type: 'utf8' },
  { name: 'commit_time', type: 'utf8' },
  { name: 'source_table', type: 'utf8' },
  { name: 'event_id', type: 'utf8' },
];

const OPS = new Set(['c', 'u', 'd', 'r']);

/**
 * Whether `x` looks like a change event: an `op` of c/u/d/r, a `source` object and an `after` or `before` field.
 * @example isChangeEvent({ op: 'c', after: { id: 1 }, source: { table: 'orders' } }) // true
 */
export function isChangeEvent(x: unknown): x is ChangeEventLike {
  if (x === null || typeof x !== 'object') return false;
  const e = x as { op?: unknown; source?: unknown };
  return typeof e.op === 'string' && OPS.has(e.op) && e.source !== null && typeof e.source === 'object' && ('after' in e || 'before' in e);
}

/** The row image of an event: `after`, or `before` for a delete (or when there is no `after`). */
export function imageOf(event: ChangeEventLike): Readonly<Record<string, unknown>> | undefined {
  const image = event.after ?? event.before;
  return image === null || image === undefined ? undefined : image;
}

/** `schema.table` of an event's source (or just the table). */
export function tableOf(event: ChangeEventLike): string | undefined {
  const { schema, table } = event.source;
  if (typeof table !== 'string') return undefined;
  return typeof schema === 'string' && schema !== '' ? `${schema}.${table}` : table;
}

/** Writes the metadata column values of `event` into `out[0…5]`. */
export function writeEventMetadata(event: ChangeEventLike, out: unknown[]): void {
  const s = event.source;
  out[0] = event.op;
  out[1] = metaText(s.commitLsn);
  out[2] = metaText(s.seqval);
  out[3] = metaText(s.commitTime);
  out[4] = tableOf(event) ?? null;
  out[5] = metaText(event.id);
}

/** Metadata values as text: strings as they are, dates as ISO-8601, bytes as hex, other values with `String`. */
function metaText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return `0x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex').toUpperCase()}`;
  return String(v);
}
