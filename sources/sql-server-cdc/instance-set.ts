import { identityOf, type CaptureInstance, type DescribedInstance } from './capture-instances';
import type { CdcControlUpdate, CdcInstanceCheckpoint } from './checkpoint';
import { CdcCaptureInstanceError, CdcDataLossError } from './errors';
import { compareLsn, isZeroLsn, type Lsn } from './lsn';
import { neededChangesRemoved, neededLsn } from './position';
import type { TableFilter } from './table-selection';
import type { CaptureInstanceIdentity, CdcNotification, CdcPosition } from './types';

/** A capture instance the source reads, with its in-memory read cursor. */
export interface TrackedInstance {
  info: DescribedInstance;
  readonly identity: CaptureInstanceIdentity;
  /** Every change up to here has been read (turned into events); `undefined`: from the instance's start. */
  read: CdcPosition | undefined;
  /** Whether `read` came from the checkpoint (or a predecessor): only then can cleanup passing it be data loss. */
  checkpointed: boolean;
  /** The successor's `start_lsn`: this instance is read only below it. */
  stopLsn: Lsn | undefined;
  /** Whether the schema-change notification for this (successor) instance was given. */
  announced: boolean;
  /** Whether 'instance-completed' was reported. */
  completed: boolean;
}

/**
 * A vanished instance whose successor starts after the position it was published to: changes in between are
 * lost unless no transaction committed there (`InstanceSet.handOver` once that is confirmed).
 */
export interface PossibleLoss {
  readonly error: CdcDataLossError;
  readonly successor: string;
  readonly position: CdcPosition;
  /** The index of its 'instance-dropped' notification in the reconciliation. */
  readonly notification: number;
}

/** What a reconciliation found: notifications, checkpoint updates (by partition) and possible data loss. */
export interface Reconciliation {
  readonly notifications: CdcNotification[];
  readonly deferred: { readonly partition: string; readonly update: CdcControlUpdate }[];
  readonly losses: PossibleLoss[];
}

const partitionOfInstance = (ci: string): string => `ci:${ci}`;

/**
 * The capture instances of the selected tables and their read cursors. Reconciles each listing of
 * `cdc.change_tables` with what is tracked: a second instance of a table is read from its `start_lsn` while the
 * first is read only below it (no gap, no duplicate); a vanished instance is dropped with a notification, its
 * position handed to a successor that covers it, or reported as data loss when the successor starts later.
 */
export class InstanceSet {
  private readonly tracked = new Map<string, TrackedInstance>();

  constructor(
    private readonly database: string,
    private readonly filter: TableFilter,
  ) {}

  /** The tracked instances, by table then start LSN (so a table's old instance is read before its new one). */
  ordered(): TrackedInstance[] {
    return [...this.tracked.values()].sort(
      (a, b) => a.info.sourceTable.localeCompare(b.info.sourceTable) || compareLsn(a.info.startLsn, b.info.startLsn),
    );
  }

  get(ci: string): TrackedInstance | undefined {
    return this.tracked.get(ci);
  }

  /** The selected instances of a listing. */
  select<T extends CaptureInstance>(all: readonly T[]): T[] {
    return all.filter((ci) => this.filter.matches(ci.sourceTable));
  }

  /**
   * Takes the first listing: instances in the checkpoint resume from their positions; a checkpointed instance
   * that is gone hands its position to a successor (or is reported); instances unknown to the checkpoint start
   * at their `start_lsn`.
   */
  seed(listing: readonly DescribedInstance[], checkpoint: Readonly<Record<string, CdcInstanceCheckpoint>> | undefined): Reconciliation {
    const result = emptyReconciliation();
    const selected = this.select(listing);
    for (const info of selected) {
      requireReadable(info);
      const saved = checkpoint?.[info.name];
      const sameIncarnation = saved !== undefined && saved.ciCreateDate === info.createDate;
      this.tracked.set(info.name, {
        info,
        identity: identityOf(info, sameIncarnation ? saved.ciStartLsn : info.startLsn),
        read: sameIncarnation ? saved.position : undefined,
        checkpointed: sameIncarnation,
        stopLsn: undefined,
        announced: true,
        completed: false,
      });
    }
    this.linkSuccessors();
    for (const [name, saved] of Object.entries(checkpoint ?? {})) {
      if (this.tracked.get(name)?.checkpointed) continue;
      if (!this.filter.matches(saved.sourceTable)) continue;
      this.vanished(name, saved.sourceTable, saved.position, result);
    }
    return result;
  }

  /** Takes a later listing: new instances (schema changes) and vanished ones (dropped). */
  refresh(listing: readonly DescribedInstance[]): Reconciliation {
    const result = emptyReconciliation();
    const selected = this.select(listing);
    const present = new Set(selected.map((ci) => ci.name));
    for (const [name, t] of [...this.tracked]) {
      if (present.has(name)) continue;
      this.tracked.delete(name);
      this.vanished(name, t.info.sourceTable, t.read, result);
    }
    for (const info of selected) {
      const t = this.tracked.get(info.name);
      if (t) {
        t.info = info;
        continue;
      }
      this.tracked.set(info.name, {
        info,
        identity: identityOf(info),
        read: undefined,
        checkpointed: false,
        stopLsn: undefined,
        announced: false,
        completed: false,
      });
    }
    this.linkSuccessors();
    for (const t of this.tracked.values()) {
      if (t.announced) continue;
      t.announced = true;
      const predecessor = this.predecessorOf(t);
      if (predecessor) {
        result.notifications.push({
          kind: 'schema-change',
          table: t.info.sourceTable,
          fromInstance: predecessor.info.name,
          toInstance: t.info.name,
          switchLsn: t.info.startLsn,
          columns: t.info.columns.map((c) => c.name),
        });
      }
    }
    return result;
  }

  /** The older instance of the same table that `t` succeeds, if any. */
  predecessorOf(t: TrackedInstance): TrackedInstance | undefined {
    return [...this.tracked.values()].find((o) => o !== t && o.stopLsn === t.info.startLsn && o.info.sourceTable === t.info.sourceTable);
  }

  /**
   * A successor continues from a vanished instance's position (no change was lost in between); `undefined`:
   * from the successor's own start (nothing committed between the position and it).
   */
  handOver(successor: string, position: CdcPosition | undefined): void {
    const t = this.tracked.get(successor);
    if (!t || (t.read !== undefined && t.checkpointed)) return;
    t.read = position;
    t.checkpointed = position !== undefined;
  }

  /** Resets the instances of `table` to `through lsn` (after a snapshot read the table at `lsn`). */
  resetTable(table: string, position: CdcPosition): TrackedInstance[] {
    const reset = [...this.tracked.values()].filter((t) => t.info.sourceTable === table);
    for (const t of reset) {
      t.read = t.stopLsn !== undefined && compareLsn(t.stopLsn, position.lsn) <= 0 ? { kind: 'through', lsn: t.stopLsn } : position;
      if (t.info.startLsn > position.lsn) t.read = undefined;
      t.checkpointed = t.read !== undefined;
    }
    return reset;
  }

  /** Marks every table's instances as read `through lsn` (start mode `now`). */
  startAt(position: CdcPosition): void {
    for (const t of this.tracked.values()) {
      t.read = position;
      t.checkpointed = true;
    }
  }

  /** Per table, the older instance stops where the newer one starts. */
  private linkSuccessors(): void {
    const byTable = new Map<string, TrackedInstance[]>();
    for (const t of this.tracked.values()) {
      const list = byTable.get(t.info.sourceTable) ?? [];
      list.push(t);
      byTable.set(t.info.sourceTable, list);
    }
    for (const list of byTable.values()) {
      list.sort((a, b) => compareLsn(a.info.startLsn, b.info.startLsn));
      list.forEach((t, i) => (t.stopLsn = list[i + 1]?.info.startLsn));
    }
  }

  /** A checkpointed or tracked instance is gone: hand over to a covering successor, or report. */
  private vanished(name: string, sourceTable: string, position: CdcPosition | undefined, result: Reconciliation): void {
    const successor = [...this.tracked.values()]
      .filter((t) => t.info.sourceTable === sourceTable && t.info.name !== name)
      .sort((a, b) => compareLsn(a.info.startLsn, b.info.startLsn))[0];
    const needed = position ? neededLsn(position) : undefined;
    const covered = successor !== undefined && (needed === undefined || compareLsn(successor.info.startLsn, needed) <= 0);
    if (successor && !covered && position) {
      result.losses.push({
        error: new CdcDataLossError(this.database, name, needed!, successor.info.startLsn),
        successor: successor.info.name,
        position,
        notification: result.notifications.length,
      });
    } else if (successor && covered && position) this.handOver(successor.info.name, position);
    result.notifications.push({ kind: 'instance-dropped', table: sourceTable, captureInstance: name, position, covered: covered || position === undefined });
    result.deferred.push({ partition: partitionOfInstance(name), update: { kind: 'remove', captureInstance: name } });
  }
}

function emptyReconciliation(): Reconciliation {
  return { notifications: [], deferred: [], losses: [] };
}

/** F5: a zero min LSN means a missing instance or a login that may not read it. */
export function requireReadable(info: DescribedInstance): void {
  if (isZeroLsn(info.minLsn)) {
    throw new CdcCaptureInstanceError(
      info.name,
      `sys.fn_cdc_get_min_lsn(N'${info.name}') returned 0x00000000000000000000 for the capture instance of ${info.sourceTable}: ` +
        `the instance is being dropped, or the login may not read it — grant it membership of the instance's gating role ` +
        `(sys.sp_cdc_help_change_data_capture shows role_name) or SELECT on the source table's columns`,
    );
  }
}

/** F3: whether cleanup removed changes the instance still needs (only for positions from the checkpoint). */
export function lossOf(database: string, t: TrackedInstance): CdcDataLossError | undefined {
  if (!t.checkpointed || t.read === undefined) return undefined;
  if (!neededChangesRemoved(t.read, t.info.minLsn)) return undefined;
  return new CdcDataLossError(database, t.info.name, neededLsn(t.read), t.info.minLsn);
}

/**
 * Keeps only real losses: a successor that starts after the vanished instance's position still covers it when
 * no transaction committed in between (`cdc.lsn_time_mapping`, dummy rows excluded). Confirmed hand-overs are
 * applied and their notifications marked covered.
 */
export async function confirmLosses(
  found: Reconciliation,
  instances: InstanceSet,
  firstTransactionFrom: (lsn: Lsn) => Promise<Lsn | undefined>,
): Promise<CdcDataLossError[]> {
  const real: CdcDataLossError[] = [];
  for (const loss of found.losses) {
    const first = await firstTransactionFrom(loss.error.neededLsn);
    if (first === undefined || compareLsn(first, loss.error.minLsn) >= 0) {
      instances.handOver(loss.successor, undefined);
      const n = found.notifications[loss.notification];
      if (n?.kind === 'instance-dropped') found.notifications[loss.notification] = { ...n, covered: true };
    } else real.push(loss.error);
  }
  return real;
}
