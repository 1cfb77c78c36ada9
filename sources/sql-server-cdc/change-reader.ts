import { SchemaMismatchError } from '../../hosting/errors';
import { listCaptureInstances, type InstanceDescriber } from './capture-instances';
import { ChangeAssembler, parseChangeRow, type EventContext } from './change-events';
import type { StatementRunner } from './client';
import { CdcCaptureInstanceError, CdcPermissionError, CdcQueryError, sqlErrorInfo } from './errors';
import { confirmLosses, lossOf, requireReadable, type InstanceSet, type TrackedInstance } from './instance-set';
import { compareLsn, formatLsn, lsnFromBuffer, maxLsn as laterLsn, minLsn as earlierLsn, type Lsn } from './lsn';
import { emptyBatch, type ReadBatch, type Stamp } from './read-batch';
import { Statements, type Statement } from './statements';
import type { CdcPosition } from './types';

/** Settings of the streaming reader. */
export interface ChangeReaderSettings {
  readonly pageSize: number;
  /** 0 = the window always reaches the max LSN. */
  readonly maxTransactionsPerIteration: number;
  readonly onSchemaChange: 'continue' | 'fail';
}

interface InstanceWindow {
  readonly t: TrackedInstance;
  readonly from: Lsn;
  readonly to: Lsn;
  /** The last row read (the resume point of the next page), including an op 3 carried over. */
  after: { lsn: Lsn; seqval: Lsn; op: number } | undefined;
  readonly assembler: ChangeAssembler;
}

interface Window {
  readonly startedAt: number;
  readonly to: Lsn;
  readonly maxLsn: Lsn;
  readonly capped: boolean;
  readonly tzOffsetMinutes: number;
  readonly queue: TrackedInstance[];
  index: number;
  current: InstanceWindow | undefined;
  rows: number;
}

/**
 * The streaming loop of research brief §4.3, one page per call: a window `[from, to]` per iteration bounded by
 * `sys.fn_cdc_get_max_lsn()` (and optionally by N transactions), the capture instances refreshed each window,
 * each instance paged in `(commit LSN, seqval, operation)` order from its read cursor, with the validity check
 * before and Msg 313 / 208 / 229 classified (F3, F5, F7, F9). The cursors live in memory, so after a transient
 * error the same call simply runs again.
 */
export class ChangeReader {
  private window: Window | undefined;
  /** Notifications and updates found by a step that then failed: handed out with the next batch. */
  private out = emptyBatch();

  constructor(
    private readonly db: StatementRunner,
    private readonly describer: InstanceDescriber,
    private readonly instances: InstanceSet,
    private readonly context: EventContext,
    private readonly settings: ChangeReaderSettings,
    private readonly stamp: Stamp,
    private readonly now: () => number,
  ) {}

  /** Reads the next page (starting a window first if none is open). */
  async next(): Promise<ReadBatch> {
    const batch = this.out;
    if (!this.window) {
      const opened = await this.openWindow(batch);
      if (!opened) return this.handOut({ noCapture: true });
    }
    const w = this.window!;
    for (;;) {
      if (!w.current) {
        const t = w.queue[w.index];
        if (!t) {
          this.window = undefined;
          return this.handOut({
            windowEnd: {
              rows: w.rows,
              capped: w.capped,
              maxLsn: w.maxLsn,
              to: w.to,
              durationMs: this.now() - w.startedAt,
              lowestLsn: this.lowestLsn() ?? w.to,
            },
          });
        }
        if (this.instances.get(t.info.name) === t) w.current = await this.openInstance(t, w); // else dropped meanwhile
        w.index++;
        if (!w.current) continue;
      }
      const done = await this.readPage(w, w.current, batch);
      if (done) w.current = undefined;
      if (batch.events.length > 0) return this.handOut({});
    }
  }

  /** Drops the open window (after a re-snapshot); the next call opens a new one from the read cursors. */
  abandonWindow(): void {
    this.window = undefined;
  }

  private handOut(extra: Pick<ReadBatch, 'windowEnd' | 'noCapture'>): ReadBatch {
    const batch = this.out;
    this.out = emptyBatch();
    return { ...batch, ...extra };
  }

  /** Max LSN, capture instances, window end. False when there is no max LSN yet. */
  private async openWindow(batch: ReturnType<typeof emptyBatch>): Promise<boolean> {
    const startedAt = this.now();
    const [row] = (await this.db.run(Statements.maxLsn())).rows;
    const max = row?.[0] instanceof Uint8Array ? lsnFromBuffer(row[0], 'sys.fn_cdc_get_max_lsn()') : undefined;
    const tzOffsetMinutes = Number(row?.[1] ?? 0);
    if (max === undefined) return false;
    await this.refreshInstances(batch);
    let to = max;
    let capped = false;
    const lowest = this.lowestLsn();
    if (this.settings.maxTransactionsPerIteration > 0 && lowest !== undefined) {
      const [cap] = (await this.db.run(Statements.transactionCap(lowest, this.settings.maxTransactionsPerIteration))).rows;
      const count = Number(cap?.[0] ?? 0);
      if (count >= this.settings.maxTransactionsPerIteration && cap?.[1] instanceof Uint8Array) {
        const last = lsnFromBuffer(cap[1], 'transaction cap');
        if (compareLsn(last, max) < 0) {
          to = last;
          capped = true;
        }
      }
    }
    this.window = { startedAt, to, maxLsn: max, capped, tzOffsetMinutes, queue: this.instances.ordered(), index: 0, current: undefined, rows: 0 };
    return true;
  }

  /** The window of one instance, or `undefined` when it has nothing in `[from, to]`. */
  private async openInstance(t: TrackedInstance, w: Window): Promise<InstanceWindow | undefined> {
    requireReadable(t.info);
    const loss = lossOf(this.context.database, t);
    if (loss) throw loss;
    const to = t.stopLsn !== undefined ? earlierLsn(w.to, t.stopLsn) : w.to;
    const position = t.read;
    let from: Lsn;
    let after: InstanceWindow['after'];
    if (position === undefined) from = t.info.startLsn;
    else if (position.kind === 'through') {
      if (compareLsn(position.lsn, to) >= 0) return undefined; // from = increment(lsn) > to: no query (Msg 313)
      from = await this.increment(position.lsn);
    } else {
      from = position.lsn;
      after = { lsn: position.lsn, seqval: position.seqval, op: position.op };
    }
    from = laterLsn(from, t.info.minLsn);
    if (compareLsn(from, to) > 0) return undefined;
    if (this.settings.onSchemaChange === 'fail') {
      const predecessor = this.instances.predecessorOf(t);
      if (predecessor && t.read === undefined) {
        throw new SchemaMismatchError(
          `table ${t.info.sourceTable} has a new capture instance '${t.info.name}' (from LSN ${formatLsn(t.info.startLsn)}; ` +
            `columns ${t.info.columns.map((c) => c.name).join(', ')}) after '${predecessor.info.name}': everything before it was read; ` +
            `onSchemaChange is 'fail', so the stream stops for a backfill`,
        );
      }
    }
    return { t, from, to, after, assembler: new ChangeAssembler(this.context, t.info, w.tzOffsetMinutes) };
  }

  /** Reads one page of `iw` into `batch`; true when the instance's window is exhausted. */
  private async readPage(w: Window, iw: InstanceWindow, batch: ReturnType<typeof emptyBatch>): Promise<boolean> {
    const { t } = iw;
    const page = this.settings.pageSize;
    const statement = iw.after
      ? Statements.changesAfter(t.info.name, t.info.columns, { from: iw.from, to: iw.to, page, after: iw.after })
      : Statements.changesFrom(t.info.name, t.info.columns, { from: iw.from, to: iw.to, page });
    let rows: readonly (readonly unknown[])[];
    try {
      rows = (await this.db.run(statement)).rows;
    } catch (e) {
      await this.classifyFailure(e, iw, statement, batch);
      return true; // the instance vanished: skip it
    }
    const partition = `ci:${t.info.name}`;
    let exhausted = rows.length < page;
    let lastRead: CdcPosition | undefined;
    for (const raw of rows) {
      const row = parseChangeRow(raw, t.info.name);
      if (t.stopLsn !== undefined && compareLsn(row.lsn, t.stopLsn) >= 0) {
        exhausted = true; // the successor instance has this and everything after it
        break;
      }
      iw.after = { lsn: row.lsn, seqval: row.seqval, op: row.op };
      const assembled = iw.assembler.add(row);
      if (!assembled) continue;
      lastRead = { kind: 'within', lsn: assembled.last.lsn, seqval: assembled.last.seqval, op: assembled.last.op };
      batch.events.push([assembled.event, { kind: 'change', instance: t.identity, position: lastRead, seq: this.stamp(partition) }]);
    }
    if (lastRead) t.read = lastRead;
    w.rows += batch.events.length;
    if (!exhausted) return false;
    iw.assembler.finish();
    const through: CdcPosition = { kind: 'through', lsn: iw.to };
    t.read = through;
    t.checkpointed = true;
    const last = batch.events[batch.events.length - 1];
    if (last && last[1].kind === 'change' && last[1].instance === t.identity) {
      // The window's last event of this instance: committing it means everything up to `to` is published.
      last[1] = { ...last[1], position: through };
    } else {
      batch.deferred.push({ partition, update: { kind: 'advance', instance: t.identity, position: through } });
    }
    return true;
  }

  /**
   * F7/F9: Msg 313 or 208 on the change function — the instance was dropped (re-list and move on), cleanup
   * passed the window's start (data loss), or a bug; Msg 229 — a missing permission.
   */
  private async classifyFailure(error: unknown, iw: InstanceWindow, statement: Statement, batch: ReturnType<typeof emptyBatch>): Promise<void> {
    if (!(error instanceof CdcQueryError)) throw error;
    const { number } = sqlErrorInfo(error.cause);
    const ci = iw.t.info.name;
    if (number === 229) {
      throw new CdcPermissionError(
        `SELECT permission denied reading capture instance '${ci}' (SQL Server error 229): grant the login membership of the instance's gating role ` +
          `or db_owner, and SELECT on the cdc schema (GRANT SELECT ON SCHEMA::cdc TO <user>)`,
        { cause: error },
      );
    }
    if (number !== 313 && number !== 208) throw error;
    await this.refreshInstances(batch);
    const now = this.instances.get(ci);
    if (now === undefined) return; // dropped: reported by refresh
    const loss = lossOf(this.context.database, now);
    if (loss) throw loss;
    if (compareLsn(now.info.minLsn, iw.from) > 0) {
      throw new CdcCaptureInstanceError(ci, `capture instance '${ci}': cleanup removed changes from ${formatLsn(iw.from)} while they were being read (min LSN now ${formatLsn(now.info.minLsn)})`, { cause: error });
    }
    throw new CdcQueryError(
      statement.name,
      `capture instance '${ci}': SQL Server error ${number} for the window ${formatLsn(iw.from)}–${formatLsn(iw.to)} although the instance exists ` +
        `and its min LSN is ${formatLsn(now.info.minLsn)} (a window beyond the max LSN is a bug in the source)`,
      { cause: error },
    );
  }

  /** Re-lists the capture instances: new ones (schema changes) and vanished ones (F8, F9). */
  private async refreshInstances(batch: ReturnType<typeof emptyBatch>): Promise<void> {
    const listing = await this.describer.describe(this.instances.select(await listCaptureInstances(this.db)));
    const found = this.instances.refresh(listing);
    const losses = await confirmLosses(found, this.instances, (lsn) => firstTransactionFrom(this.db, lsn));
    batch.notifications.push(...found.notifications);
    batch.deferred.push(...found.deferred);
    if (losses.length > 0) throw losses[0];
  }

  private async increment(lsn: Lsn): Promise<Lsn> {
    const [row] = (await this.db.run(Statements.incrementLsn(lsn))).rows;
    if (!(row?.[0] instanceof Uint8Array)) throw new CdcQueryError('increment-lsn', `sys.fn_cdc_increment_lsn(${formatLsn(lsn)}) returned no value`);
    return lsnFromBuffer(row[0], 'sys.fn_cdc_increment_lsn');
  }

  /** The lowest LSN any instance still reads from. */
  private lowestLsn(): Lsn | undefined {
    let lowest: Lsn | undefined;
    for (const t of this.instances.ordered()) {
      const lsn = t.read?.lsn ?? t.info.startLsn;
      if (t.stopLsn !== undefined && t.read && compareLsn(t.read.lsn, t.stopLsn) >= 0) continue;
      lowest = lowest === undefined ? lsn : earlierLsn(lowest, lsn);
    }
    return lowest;
  }
}

/** The commit LSN of the first real transaction at or after `lsn` (dummy mapping rows excluded), if any. */
export async function firstTransactionFrom(db: StatementRunner, lsn: Lsn): Promise<Lsn | undefined> {
  const [row] = (await db.run(Statements.transactionCap(lsn, 1))).rows;
  return Number(row?.[0] ?? 0) > 0 && row?.[1] instanceof Uint8Array ? lsnFromBuffer(row[1], 'transaction cap') : undefined;
}
