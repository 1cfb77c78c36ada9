import { createHash } from 'node:crypto';
import { commitTimeToIso, decodeValue, isMaskBitSet, type CapturedColumn, type DecimalPolicy } from './columns';
import type { DescribedInstance } from './capture-instances';
import { CdcChangeStreamError } from './errors';
import { formatLsn, lsnFromBuffer, type Lsn } from './lsn';
import { UNAVAILABLE_VALUE, type CdcRow, type CdcValue, type ChangeEvent, type ChangeOp } from './types';

/** What every event of one source shares. */
export interface EventContext {
  readonly server: string;
  readonly database: string;
  readonly decimals: DecimalPolicy;
}

/** One row of a change query (`CHANGE_META_COLUMNS` then the captured columns). */
export interface ChangeRow {
  readonly lsn: Lsn;
  readonly seqval: Lsn;
  readonly op: number;
  readonly mask: Uint8Array | null;
  readonly commitTime: string | null;
  readonly values: readonly unknown[];
}

/** Parses one result row of `Statements.changesFrom`/`changesAfter`. */
export function parseChangeRow(row: readonly unknown[], ci: string): ChangeRow {
  const op = Number(row[2]);
  if (!(op >= 1 && op <= 4)) throw new CdcChangeStreamError(`capture instance '${ci}': unexpected __$operation ${String(row[2])} (expected 1–4)`);
  return {
    lsn: lsnFromBuffer(row[0] as Uint8Array, `__$start_lsn of ${ci}`),
    seqval: lsnFromBuffer(row[1] as Uint8Array, `__$seqval of ${ci}`),
    op,
    mask: row[3] instanceof Uint8Array ? row[3] : null,
    commitTime: typeof row[4] === 'string' ? row[4] : null,
    values: row.slice(5),
  };
}

/** A change ready to emit, with the change-table row whose position it completes. */
export interface AssembledChange {
  readonly event: ChangeEvent;
  /** The row the event's position is (the op 4 row of an update pair). */
  readonly last: ChangeRow;
}

/**
 * Turns change rows (in `(commit LSN, seqval, operation)` order) into events: op 1 → `d`, op 2 → `c`, op 3 + op 4
 * → one `u`. An op 3 row at the end of a page is carried over to the next page; an op 3 not followed by its op 4
 * (or an op 4 without its op 3) is a `CdcChangeStreamError`, as in Debezium.
 */
export class ChangeAssembler {
  private carried: ChangeRow | undefined;
  /** The last commit time converted (rows of a transaction share it). */
  private lastCommitTime: { readonly local: string | null; readonly iso: string | null } = { local: null, iso: null };

  constructor(
    private readonly context: EventContext,
    private readonly instance: DescribedInstance,
    /** The server's offset from UTC in minutes (commit times are server-local). */
    private tzOffsetMinutes: number,
  ) {}

  /** The op 3 row waiting for its op 4 (its position is where the next page resumes). */
  get pending(): ChangeRow | undefined {
    return this.carried;
  }

  set serverOffsetMinutes(minutes: number) {
    this.tzOffsetMinutes = minutes;
  }

  /** Adds one row; returns the event it completes, if any. */
  add(row: ChangeRow): AssembledChange | undefined {
    const carried = this.carried;
    if (carried) {
      if (row.op !== 4 || row.lsn !== carried.lsn || row.seqval !== carried.seqval) {
        throw this.unpaired(carried, `followed by operation ${row.op} at ${formatLsn(row.lsn)}/${formatLsn(row.seqval)}`);
      }
      this.carried = undefined;
      return { event: this.event('u', carried, row), last: row };
    }
    switch (row.op) {
      case 3:
        this.carried = row;
        return undefined;
      case 4:
        throw new CdcChangeStreamError(
          `capture instance '${this.instance.name}': update after-image (operation 4) at ${formatLsn(row.lsn)}/${formatLsn(row.seqval)} without its before-image (operation 3)`,
        );
      case 1:
        return { event: this.event('d', row, undefined), last: row };
      default:
        return { event: this.event('c', undefined, row), last: row };
    }
  }

  /** The window ended: an op 3 still waiting for its op 4 is an error. */
  finish(): void {
    if (this.carried) throw this.unpaired(this.carried, 'at the end of the window');
  }

  private unpaired(row: ChangeRow, where: string): CdcChangeStreamError {
    this.carried = undefined;
    return new CdcChangeStreamError(
      `capture instance '${this.instance.name}': update before-image (operation 3) at ${formatLsn(row.lsn)}/${formatLsn(row.seqval)} is not followed by its after-image (operation 4) but ${where}`,
    );
  }

  private event(op: ChangeOp, beforeRow: ChangeRow | undefined, afterRow: ChangeRow | undefined): ChangeEvent {
    const { instance, context } = this;
    const before = beforeRow ? this.image(beforeRow, op === 'u' ? afterRow?.mask ?? beforeRow.mask : beforeRow.mask) : null;
    const after = afterRow ? this.image(afterRow, null) : null;
    const position = afterRow ?? beforeRow!;
    const keySource = op === 'd' ? before : after;
    return {
      op,
      before,
      after,
      key: keyOf(instance.keyColumns, keySource),
      source: {
        server: context.server,
        database: context.database,
        schema: instance.schema,
        table: instance.table,
        captureInstance: instance.name,
        commitLsn: position.lsn,
        seqval: position.seqval,
        operation: op === 'u' ? 4 : op === 'd' ? 1 : 2,
        commitTime: this.commitTime(position.commitTime),
        snapshot: false,
      },
      id: eventId(context.database, instance.name, position.lsn, position.seqval, op),
    };
  }

  private commitTime(local: string | null): string | null {
    if (local !== this.lastCommitTime.local) this.lastCommitTime = { local, iso: commitTimeToIso(local, this.tzOffsetMinutes) };
    return this.lastCommitTime.iso;
  }

  /** A row image; for before-images (ops 1 and 3) values SQL Server did not capture become `UNAVAILABLE_VALUE`. */
  private image(row: ChangeRow, updateMask: Uint8Array | null): CdcRow {
    const out: Record<string, CdcValue> = {};
    const before = row.op === 1 || row.op === 3;
    const columns = this.instance.columns;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const raw = row.values[i];
      if (before && raw === null && unavailable(column, row.op, updateMask)) out[column.name] = UNAVAILABLE_VALUE;
      else out[column.name] = decodeValue(column, raw, this.context.decimals);
    }
    return out;
  }
}

/** Whether a NULL in a before-image means "not captured" rather than NULL. */
function unavailable(column: CapturedColumn, op: number, updateMask: Uint8Array | null): boolean {
  if (column.isLegacyLob) return true;
  return op === 3 && column.isMaxLob && !isMaskBitSet(updateMask, column.ordinal);
}

/** The key columns of an image, or `null` for a table without a key. */
export function keyOf(keys: readonly CapturedColumn[], image: CdcRow | null): CdcRow | null {
  if (keys.length === 0 || image === null) return null;
  const key: Record<string, CdcValue> = {};
  for (const k of keys) key[k.name] = image[k.name] ?? null;
  return key;
}

const MAX_ID_LENGTH = 128;

/** `<db>:<ci>:<commitLsn>:<seqval>:<op>`; `<db>:<ci>` becomes a hash when the id would exceed 128 characters. */
export function eventId(database: string, ci: string, lsn: Lsn, discriminator: string, op: ChangeOp): string {
  const id = `${database}:${ci}:${lsn}:${discriminator}:${op}`;
  if (id.length <= MAX_ID_LENGTH) return id;
  const scope = createHash('sha256').update(`${database}:${ci}`).digest('hex').slice(0, 24);
  return `${scope}:${lsn}:${discriminator}:${op}`;
}

/** The id of a snapshot read: the snapshot LSN and a hash of the key. */
export function snapshotEventId(database: string, ci: string, lsn: Lsn, key: readonly CdcValue[]): string {
  const keyHash = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 20);
  return eventId(database, ci, lsn, `k${keyHash}`, 'r');
}

/** Builds the `r` event of one snapshot row (values in `instance.columns` order). */
export function snapshotEvent(context: EventContext, instance: DescribedInstance, lsn: Lsn, values: readonly unknown[]): ChangeEvent {
  const after: Record<string, CdcValue> = {};
  instance.columns.forEach((c, i) => (after[c.name] = decodeValue(c, values[i], context.decimals)));
  const key = keyOf(instance.keyColumns, after);
  return {
    op: 'r',
    before: null,
    after,
    key,
    source: {
      server: context.server,
      database: context.database,
      schema: instance.schema,
      table: instance.table,
      captureInstance: instance.name,
      commitLsn: lsn,
      seqval: null,
      operation: 0,
      commitTime: null,
      snapshot: true,
    },
    id: snapshotEventId(context.database, instance.name, lsn, instance.keyColumns.map((k) => after[k.name] ?? null)),
  };
}
