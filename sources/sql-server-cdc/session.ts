import { randomUUID } from 'node:crypto';
import { InstanceDescriber, listCaptureInstances, type DescribedInstance } from './capture-instances';
import { ChangeReader, type ChangeReaderSettings } from './change-reader';
import type { EventContext } from './change-events';
import { cdcCheckpointKey, type CdcCheckpoint, type CdcCheckpointer } from './checkpoint';
import type { DecimalPolicy } from './columns';
import type { StatementRunner } from './client';
import { CdcDataLossError, CdcNotEnabledError, CdcQueryError } from './errors';
import { confirmLosses, InstanceSet, type TrackedInstance } from './instance-set';
import { firstTransactionFrom } from './change-reader';
import { compareLsn, lsnFromBuffer, type Lsn } from './lsn';
import { emptyBatch, type ReadBatch, type Stamp } from './read-batch';
import { SnapshotReader, type SnapshotTable } from './snapshot-reader';
import { Statements } from './statements';
import type { TableFilter } from './table-selection';
import type { CaptureInstanceIdentity, CdcPosition } from './types';

/** Where a source without a checkpoint starts. */
export type StartFrom = 'initial' | 'now' | 'retained';

/** What the session needs to know (validated options). */
export interface SessionSettings extends ChangeReaderSettings {
  readonly database: string;
  readonly server: string | undefined;
  readonly checkpointKey: string | undefined;
  readonly filter: TableFilter;
  readonly startFrom: StartFrom;
  /** A backfill run (from the host): snapshot again unless this backfill's snapshot already ran. */
  readonly backfill: { readonly id: string | undefined } | undefined;
  readonly onDataLoss: 'fail' | 'resnapshot';
  readonly snapshotChunkSize: number;
  readonly decimals: DecimalPolicy;
}

/** What the session learned at start. */
export interface SessionStart {
  readonly server: string;
  readonly checkpointKey: string;
  readonly checkpoint: CdcCheckpoint | undefined;
}

/**
 * One run of the source against one database: opens the checkpoint, checks CDC, decides between snapshot and
 * streaming (research brief §4.7), and then hands out one page at a time from the snapshot reader or the
 * change reader. Data loss re-snapshots the affected table when `onDataLoss` is `'resnapshot'`.
 */
export class CdcSession {
  private started: SessionStart | undefined;
  private readonly instances: InstanceSet;
  private readonly describer: InstanceDescriber;
  private reader: ChangeReader | undefined;
  private snapshot: SnapshotReader | undefined;
  private pendingStart: { readonly tables: readonly string[]; readonly reason: string; readonly id: string } | undefined;
  private context: EventContext | undefined;

  constructor(
    private readonly db: StatementRunner & { readonly server: string },
    private readonly checkpointer: CdcCheckpointer,
    private readonly settings: SessionSettings,
    private readonly stamp: Stamp,
    private readonly now: () => number,
  ) {
    this.instances = new InstanceSet(settings.database, settings.filter);
    this.describer = new InstanceDescriber(db);
  }

  /** Set once `next()` has opened the checkpoint. */
  get start(): SessionStart | undefined {
    return this.started;
  }

  /** The tracked instances (for stats and completion notifications). */
  tracked(): TrackedInstance[] {
    return this.instances.ordered();
  }

  /** Whether a snapshot is being read. */
  get snapshotting(): boolean {
    return this.snapshot !== undefined || this.pendingStart !== undefined;
  }

  /** The next step: start-up, a snapshot chunk, or a page of changes. */
  async next(): Promise<ReadBatch> {
    if (!this.started) return this.open();
    if (this.pendingStart) return this.beginSnapshot(this.pendingStart);
    const snapshot = this.snapshot;
    if (snapshot) {
      if (!snapshot.finished) return snapshot.next();
      this.snapshot = undefined;
      return { ...emptyBatch(), notifications: [{ kind: 'snapshot-completed', lsn: snapshot.lsn, rows: snapshot.rows }] };
    }
    try {
      return await this.changeReader().next();
    } catch (e) {
      if (!(e instanceof CdcDataLossError) || this.settings.onDataLoss !== 'resnapshot') throw e;
      this.changeReader().abandonWindow();
      const table = this.instances.get(e.captureInstance)?.info.sourceTable;
      if (table === undefined) throw e;
      const batch = emptyBatch();
      batch.notifications.push({ kind: 'data-loss-resnapshot', captureInstance: e.captureInstance, neededLsn: e.neededLsn, minLsn: e.minLsn });
      this.pendingStart = { tables: [table], reason: 'data-loss', id: randomUUID() };
      return batch;
    }
  }

  private changeReader(): ChangeReader {
    this.reader ??= new ChangeReader(this.db, this.describer, this.instances, this.context!, this.settings, this.stamp, this.now);
    return this.reader;
  }

  /** Start-up: CDC enabled, checkpoint, instances, and the first decision. */
  private async open(): Promise<ReadBatch> {
    const { settings } = this;
    const [info] = (await this.db.run(Statements.databaseInfo())).rows;
    if (!info || Number(info[1]) !== 1) {
      throw new CdcNotEnabledError(`change data capture is not enabled on database '${settings.database}'`, `USE [${settings.database}]; EXEC sys.sp_cdc_enable_db;`);
    }
    const server = settings.server ?? (typeof info[4] === 'string' && info[4] !== '' ? info[4] : this.db.server);
    const checkpointKey = settings.checkpointKey ?? cdcCheckpointKey(server, settings.database);
    this.context = { server, database: settings.database, decimals: settings.decimals };
    const checkpoint = await this.checkpointer.open(checkpointKey, { server, database: settings.database });
    const listing = await this.describer.describe(await listCaptureInstances(this.db));
    await this.requireExplicitTables(listing);
    const seeded = this.instances.seed(listing, checkpoint?.instances);
    const losses = await confirmLosses(seeded, this.instances, (lsn) => firstTransactionFrom(this.db, lsn));
    const batch = emptyBatch();
    batch.notifications.push(...seeded.notifications);
    batch.deferred.push(...seeded.deferred);

    const all = [...new Set(this.instances.ordered().map((t) => t.info.sourceTable))];
    const snap = checkpoint?.snapshot;
    if (losses.length > 0) {
      if (settings.onDataLoss !== 'resnapshot') throw losses[0];
      const tables = new Set(losses.map((l) => this.tableOfLoss(l, checkpoint)).filter((t): t is string => t !== undefined));
      this.pendingStart = { tables: [...tables], reason: 'data-loss', id: randomUUID() };
    } else if (settings.backfill) {
      const sameRun = settings.backfill.id !== undefined && snap?.id === settings.backfill.id;
      if (sameRun && snap.status === 'running') this.resumeSnapshot(checkpoint!);
      else if (!sameRun) this.pendingStart = { tables: all, reason: 'backfill', id: settings.backfill.id ?? randomUUID() };
    } else if (snap?.status === 'running') {
      this.resumeSnapshot(checkpoint!);
    } else if (checkpoint === undefined || (Object.keys(checkpoint.instances).length === 0 && snap?.status !== 'done')) {
      if (settings.startFrom === 'initial') this.pendingStart = { tables: all, reason: 'initial', id: randomUUID() };
      else if (settings.startFrom === 'now') await this.startNow();
    }
    this.started = { server, checkpointKey, checkpoint };
    return batch;
  }

  /** F8/F9 at start: every table named without a wildcard must have a capture instance. */
  private async requireExplicitTables(listing: readonly DescribedInstance[]): Promise<void> {
    const tracked = new Set(listing.map((ci) => ci.sourceTable.toLowerCase()));
    const missing = this.settings.filter.explicit.filter((t) => !tracked.has(t.toLowerCase()));
    if (missing.length === 0) return;
    const { rows } = await this.db.run(Statements.sourceTables());
    const existing = new Map(rows.map((r) => [`${String(r[0])}.${String(r[1])}`.toLowerCase(), `${String(r[0])}.${String(r[1])}`]));
    const name = missing[0]!;
    const actual = existing.get(name.toLowerCase());
    if (actual === undefined) {
      throw new CdcQueryError('source-tables', `table ${name} (in the tables option) does not exist in database '${this.settings.database}'`);
    }
    const [schema, table] = [actual.slice(0, actual.indexOf('.')), actual.slice(actual.indexOf('.') + 1)];
    throw new CdcNotEnabledError(
      `change data capture is not enabled on table ${actual} in database '${this.settings.database}'`,
      `USE [${this.settings.database}]; EXEC sys.sp_cdc_enable_table @source_schema = N'${schema.replace(/'/g, "''")}', @source_name = N'${table.replace(/'/g, "''")}', @role_name = NULL, @supports_net_changes = 0;`,
    );
  }

  private tableOfLoss(loss: CdcDataLossError, checkpoint: CdcCheckpoint | undefined): string | undefined {
    return this.instances.get(loss.captureInstance)?.info.sourceTable ?? checkpoint?.instances[loss.captureInstance]?.sourceTable;
  }

  /** `startFrom: 'now'`: every instance `through` the current max LSN, stored before anything is read. */
  private async startNow(): Promise<void> {
    const max = await this.maxLsn();
    if (max === undefined) return; // nothing captured yet: everything that comes is new
    this.instances.startAt({ kind: 'through', lsn: max });
    await this.checkpointer.commitControl(
      this.instances.ordered().map((t) => ({ kind: 'advance' as const, instance: t.identity, position: t.read! })),
    );
  }

  /** Starts a snapshot of `tables` at the current max LSN; the start is stored before the first row is read. */
  private async beginSnapshot(plan: { readonly tables: readonly string[]; readonly reason: string; readonly id: string }): Promise<ReadBatch> {
    const batch = emptyBatch();
    const lsn = await this.maxLsn();
    if (lsn === undefined) return { ...batch, noCapture: true };
    const tables: SnapshotTable[] = [];
    const positions: { instance: CaptureInstanceIdentity; position: CdcPosition }[] = [];
    for (const table of plan.tables) {
      const instance = this.instanceAt(table, lsn);
      if (!instance) continue;
      tables.push({ instance, rows: 0, lastKey: null, done: false });
      for (const t of this.instances.resetTable(table, { kind: 'through', lsn })) {
        if (t.read) positions.push({ instance: t.identity, position: t.read });
      }
    }
    const reader = new SnapshotReader(this.db, this.context!, lsn, tables, this.settings.snapshotChunkSize, this.stamp);
    await this.checkpointer.commitControl([
      { kind: 'snapshot-start', id: plan.id, lsn, reason: plan.reason, tables: tables.map((t) => t.instance.sourceTable), instances: positions },
    ]);
    this.pendingStart = undefined;
    this.snapshot = reader;
    batch.notifications.push({ kind: 'snapshot-started', lsn, tables: tables.map((t) => t.instance.sourceTable), reason: plan.reason });
    return batch;
  }

  /** Continues the checkpoint's running snapshot after its last committed row. */
  private resumeSnapshot(checkpoint: CdcCheckpoint): void {
    const snap = checkpoint.snapshot;
    const lsn = snap.lsn!;
    const tables: SnapshotTable[] = [];
    for (const [table, progress] of Object.entries(snap.tables)) {
      const instance = this.instanceAt(table, lsn);
      if (!instance) continue;
      tables.push({ instance, rows: progress.rows, lastKey: progress.lastKey, done: progress.done });
    }
    this.snapshot = new SnapshotReader(this.db, this.context!, lsn, tables, this.settings.snapshotChunkSize, this.stamp);
  }

  /** The capture instance that describes `table` at `lsn`: the newest one started at or before it. */
  private instanceAt(table: string, lsn: Lsn): DescribedInstance | undefined {
    const candidates = this.instances.ordered().filter((t) => t.info.sourceTable === table);
    const started = candidates.filter((t) => compareLsn(t.info.startLsn, lsn) <= 0);
    return (started[started.length - 1] ?? candidates[0])?.info;
  }

  private async maxLsn(): Promise<Lsn | undefined> {
    const [row] = (await this.db.run(Statements.maxLsn())).rows;
    return row?.[0] instanceof Uint8Array ? lsnFromBuffer(row[0], 'sys.fn_cdc_get_max_lsn()') : undefined;
  }
}
