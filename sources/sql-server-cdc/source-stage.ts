import type { StageContext } from '../../src/core/blueprint';
import { BufferCounters } from '../../src/core/buffer-counters';
import type { BufferStats } from '../../src/core/materializer';
import { RingBuffer } from '../../src/core/ring-buffer';
import { GraphStage, GraphStageLogic } from '../../src/stage/graph-stage';
import { Outlet, SourceShape } from '../../src/stage/shape';
import { LeaseLostError } from '../../src/state/errors';
import { FatalStreamError, streamErrorKind } from '../../hosting/errors';
import type { CdcCheckpointer, CdcControlUpdate } from './checkpoint';
import { SqlClient } from './client';
import { PollPolicy } from './poll-policy';
import { StallTracker } from './stall-tracker';
import { CommitLedger } from './ledger';
import { compareLsn, lsnToBigInt, type Lsn } from './lsn';
import type { ResolvedCdcOptions } from './options';
import { comparePosition } from './position';
import type { ReadBatch, WindowSummary } from './read-batch';
import { CdcSession, type SessionStart } from './session';
import type { CdcNotification, CdcOffset, CdcPosition, ChangeEvent } from './types';

/** Where a running source is. */
export type CdcPhase = 'starting' | 'snapshot' | 'streaming' | 'stopped';

/** A running source's counters and positions. */
export interface CdcStats {
  readonly phase: CdcPhase;
  /** Events emitted downstream. */
  readonly emitted: number;
  /** Streaming iterations (windows) completed. */
  readonly iterations: number;
  /** The last max LSN seen. */
  readonly maxLsn: Lsn | null;
  /** Transient failures retried so far. */
  readonly retries: number;
  /** Per capture instance: how far it was read and how far it is committed. */
  readonly instances: Readonly<Record<string, { readonly table: string; readonly read: CdcPosition | undefined; readonly committed: CdcPosition | undefined }>>;
  /** Events held by the source (at most `pageSize`). */
  readonly buffered: number;
}

/**
 * The materialized value of `SqlServerCdcSource`: a kill switch (so `DrainingControl.create` accepts it), the
 * start-up result and live stats.
 */
export interface CdcControl {
  /** Stops reading and completes the stream (events held but not yet emitted are dropped; they were not committed). */
  shutdown(): void;
  /** Fails the stream with `error`. */
  abort(error: unknown): void;
  /** Resolves when CDC was verified and the checkpoint opened (rejects if the source failed before). */
  readonly started: Promise<SessionStart>;
  /** Counters and positions right now. */
  stats(): CdcStats;
}

type Element = [ChangeEvent, CdcOffset];

/** How long a schema-change failure waits for the events before it to be committed. */
const DRAIN_BEFORE_FAILING_MS = 30_000;

/** The SQL Server CDC source stage: one outlet of `[event, offset]` pairs, materializing a `CdcControl`. */
export class CdcSourceStage extends GraphStage<SourceShape<Element>, CdcControl> {
  readonly shape = new SourceShape(new Outlet<Element>('sqlServerCdc.out'));

  constructor(
    private readonly options: ResolvedCdcOptions,
    private readonly checkpointer: CdcCheckpointer,
  ) {
    super();
  }

  override get name(): string {
    return `sqlServerCdc(${this.options.database})`;
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: CdcControl } {
    const logic = new CdcSourceLogic(ctx, this.shape.out, this.options, this.checkpointer);
    return { logic, mat: logic.control };
  }
}

/**
 * Reads a page only when the outlet is pulled and nothing is held; polls on the materializer's scheduler with
 * the poll interval after changes, a jittered backoff while idle, and a separate backoff after transient
 * failures (resuming from the in-memory cursors while the lease is held). Makes its own checkpoint updates
 * (idle advancement, snapshot bookkeeping) only when the committer has passed everything emitted before them.
 */
class CdcSourceLogic extends GraphStageLogic {
  private readonly buffer: RingBuffer<Element>;
  private readonly counters: BufferCounters;
  private readonly client: SqlClient;
  private readonly ledger = new CommitLedger();
  private readonly session: CdcSession;
  readonly control: CdcControl;
  private resolveStarted!: (s: SessionStart) => void;
  private rejectStarted!: (e: unknown) => void;

  private phase: CdcPhase = 'starting';
  private busy = false;
  private waiting = false;
  private stopping = false;
  private readonly poll: PollPolicy;
  private stall!: StallTracker;
  private consecutiveErrors = 0;
  private retries = 0;
  private emitted = 0;
  private iterations = 0;
  private controlInFlight = false;
  private lastControlAt = Number.NEGATIVE_INFINITY;
  private closing = false;
  /** A failure that waits until everything emitted was committed (a schema change with onSchemaChange 'fail'). */
  private failAfterDrain: unknown;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    ctx: StageContext,
    private readonly out: Outlet<Element>,
    private readonly options: ResolvedCdcOptions,
    private readonly checkpointer: CdcCheckpointer,
  ) {
    super(ctx, [], [out]);
    // One page of changes or one snapshot chunk: a page yields at most one event per row.
    const capacity = Math.max(options.pageSize, options.snapshotChunkSize);
    this.buffer = new RingBuffer<Element>(capacity);
    this.counters = new BufferCounters(capacity, () => this.buffer.size, () => (this.busy ? 1 : 0), () => !this.isStopped);
    this.poll = new PollPolicy(options);
    this.client = new SqlClient(options.connection, { database: options.database, requestTimeoutMs: options.requestTimeoutMs });
    this.session = new CdcSession(
      this.client,
      checkpointer,
      {
        database: options.database,
        server: options.server,
        checkpointKey: options.checkpointKey,
        filter: options.filter,
        startFrom: options.startFrom,
        backfill: options.backfill,
        onDataLoss: options.onDataLoss,
        onSchemaChange: options.onSchemaChange,
        snapshotChunkSize: options.snapshotChunkSize,
        decimals: options.decimals,
        pageSize: options.pageSize,
        maxTransactionsPerIteration: options.maxTransactionsPerIteration,
      },
      this.ledger.stamp,
      () => this.now(),
    );
    const started = new Promise<SessionStart>((resolve, reject) => {
      this.resolveStarted = resolve;
      this.rejectStarted = reject;
    });
    started.catch(() => undefined);
    const shutdown = this.getAsyncCallback<void>(() => this.stopReading());
    const abort = this.getAsyncCallback<unknown>((e) => this.failWith(e));
    this.control = {
      shutdown: () => shutdown(),
      abort: (e) => abort(e),
      started,
      stats: () => this.snapshotStats(),
    };
    this.setHandler(out, {
      onPull: () => this.pump(),
      onDownstreamFinish: () => this.stopReading(),
    });
  }

  override stats(): BufferStats {
    return this.counters;
  }

  override preStart(): void {
    this.setKeepGoing(true);
    this.stall = new StallTracker(this.options.captureStallWarningMs, this.now());
    const committed = this.getAsyncCallback<readonly (CdcOffset | CdcControlUpdate)[]>((items) => this.onCommitted(items));
    this.unsubscribe.push(this.checkpointer.subscribe(committed));
    const lease = this.options.lease;
    if (!lease) return;
    if (!lease.isHeld) {
      // Releasing is the owner's job after the committer's last commit, which this stage cannot see: withLease does both.
      return this.failWith(new FatalStreamError(
        `SqlServerCdcSource(${this.options.database}): the lease (${lease.description}) is not held; run the graph with ` +
          'withLease(lease, () => graph), which acquires it before the source reads and releases it after the last commit',
      ));
    }
    const lost = this.getAsyncCallback<LeaseLostError>((e) => this.failWith(e));
    this.unsubscribe.push(lease.onLost(lost));
  }

  override postStop(): void {
    for (const u of this.unsubscribe) u();
    this.phase = 'stopped';
    this.rejectStarted(new Error(`the SQL Server CDC source of '${this.options.database}' stopped before it started`));
    void this.client.close();
  }

  override onTimer(key: unknown): void {
    if (key === 'drain-deadline' && this.failAfterDrain !== undefined) return this.failWith(this.failAfterDrain);
    if (key === 'poll' || key === 'retry') this.waiting = false;
    this.flushControls(false);
    this.pump();
  }

  /** Emits what is held; reads the next page when nothing is held and downstream wants more. */
  private pump(): void {
    while (!this.buffer.isEmpty && this.isAvailable(this.out)) this.emitOne(this.buffer.shift());
    if (this.failAfterDrain !== undefined) return;
    if (this.stopping || this.busy || this.waiting || !this.buffer.isEmpty || !this.isAvailable(this.out)) return;
    this.busy = true;
    this.session.next().then(
      this.getAsyncCallback<ReadBatch>((batch) => this.onBatch(batch)),
      this.getAsyncCallback<unknown>((e) => this.onFailure(e)),
    );
  }

  private emitOne(element: Element): void {
    this.emitted++;
    // Lag once per page (its last event), not per event: now − commit time of the last emitted change.
    const commitTime = element[0].source.commitTime;
    if (commitTime !== null && this.buffer.isEmpty && this.options.observer.onLag) {
      this.options.observer.onLag(Math.max(0, this.now() - Date.parse(commitTime)));
    }
    this.push(this.out, element);
  }

  private onBatch(batch: ReadBatch): void {
    this.busy = false;
    if (this.stopping) return this.finishStop(); // what was read after the stop is not emitted (not committed either)
    this.consecutiveErrors = 0;
    this.poll.succeeded();
    const start = this.session.start;
    if (start && this.phase === 'starting') {
      for (const [ci, saved] of Object.entries(start.checkpoint?.instances ?? {})) this.ledger.seed(ci, saved.position);
      this.resolveStarted(start);
    }
    if (start) this.phase = this.session.snapshotting ? 'snapshot' : 'streaming';
    for (const n of batch.notifications) this.notify(n);
    this.ledger.defer(batch.deferred);
    this.count(batch.events);
    for (const e of batch.events) this.buffer.push(e);
    this.counters.sample();
    if (batch.windowEnd) this.onWindowEnd(batch.windowEnd);
    else if (batch.noCapture) this.onNoCapture();
    this.flushControls(false);
    this.pump();
  }

  private onWindowEnd(w: WindowSummary): void {
    this.iterations++;
    this.trackMaxLsn(w.maxLsn);
    const distance = Number(lsnToBigInt(w.maxLsn) - lsnToBigInt(compareLsn(w.lowestLsn, w.maxLsn) > 0 ? w.maxLsn : w.lowestLsn));
    this.options.observer.onIteration?.({ ...w, lsnDistance: distance });
    this.options.observer.debug?.('cdc iteration', { rows: w.rows, to: w.to, maxLsn: w.maxLsn, capped: w.capped, durationMs: w.durationMs });
    this.wait('poll', this.poll.afterWindow(w));
  }

  private onNoCapture(): void {
    this.trackMaxLsn(null);
    this.wait('poll', this.poll.whileNoCapture());
  }

  private wait(key: string, delayMs: number): void {
    if (delayMs <= 0) return;
    this.waiting = true;
    this.scheduleOnce(key, delayMs);
  }

  private trackMaxLsn(max: Lsn | null): void {
    const note = this.stall.observe(max, this.now());
    if (note) this.notify(note);
  }

  private onFailure(error: unknown): void {
    this.busy = false;
    if (this.stopping) return this.finishStop();
    if (streamErrorKind(error) === 'schema-mismatch') {
      // Let the events of the old shape reach the sink and the checkpoint first, then stop (bounded wait).
      this.failAfterDrain = error;
      this.scheduleOnce('drain-deadline', DRAIN_BEFORE_FAILING_MS);
      return this.failWhenDrained();
    }
    const transient = (error as { transient?: unknown } | null)?.transient === true && !(error instanceof LeaseLostError);
    const limit = this.options.maxConsecutiveErrors;
    if (!transient || (limit > 0 && this.consecutiveErrors >= limit)) return this.failWith(error);
    const lease = this.options.lease;
    if (lease && !lease.isHeld) {
      return this.failWith(new LeaseLostError(`the lease (${lease.description}) is no longer held; not resuming after: ${String((error as Error).message ?? error)}`, { cause: error }));
    }
    this.consecutiveErrors++;
    this.retries++;
    const delay = this.poll.afterError();
    this.options.observer.onRetry?.(error, this.consecutiveErrors, delay);
    this.wait('retry', delay);
    if (!this.waiting) this.pump();
  }

  private failWhenDrained(): void {
    if (this.buffer.isEmpty && this.ledger.allCommitted && !this.controlInFlight) this.failWith(this.failAfterDrain);
  }

  /** Fails the stream (and `control.started`, if the source had not started yet). */
  private failWith(error: unknown): void {
    this.rejectStarted(error);
    this.failStage(error);
  }

  private onCommitted(items: readonly (CdcOffset | CdcControlUpdate)[]): void {
    this.ledger.onCommitted(items);
    if (this.failAfterDrain !== undefined) return this.failWhenDrained();
    this.reportCompletedInstances();
    this.flushControls(false);
  }

  /** F8: an old instance is complete once its committed position reaches its successor's start. */
  private reportCompletedInstances(): void {
    for (const t of this.session.tracked()) {
      if (t.completed || t.stopLsn === undefined) continue;
      const committed = this.ledger.committedPosition(t.info.name);
      if (!committed || comparePosition(committed, { kind: 'through', lsn: t.stopLsn }) < 0) continue;
      t.completed = true;
      const successor = this.session.tracked().find((s) => s.info.sourceTable === t.info.sourceTable && s.info.startLsn === t.stopLsn);
      this.notify({ kind: 'instance-completed', table: t.info.sourceTable, captureInstance: t.info.name, successor: successor?.info.name ?? '' });
    }
  }

  /** Writes the source's own checkpoint updates whose partitions are quiet (one write at a time). */
  private flushControls(force: boolean): void {
    if (this.controlInFlight || !this.ledger.hasPending || this.session.start === undefined) return;
    const now = this.now();
    const updates = this.ledger.takeReady(force || now - this.lastControlAt >= this.options.idleCheckpointIntervalMs);
    if (updates.length === 0) {
      if (this.ledger.hasPending && !this.isTimerActive('controls') && !this.stopping) this.scheduleOnce('controls', Math.max(1, this.options.idleCheckpointIntervalMs));
      return;
    }
    if (updates.some((u) => u.kind === 'advance')) this.lastControlAt = now;
    this.controlInFlight = true;
    this.checkpointer.commitControl(updates).then(
      this.getAsyncCallback<void>(() => {
        this.controlInFlight = false;
        if (this.stopping) return this.finishStop();
        this.flushControls(false);
      }),
      this.getAsyncCallback<unknown>((e) => this.failWith(e)),
    );
  }

  private notify(n: CdcNotification): void {
    this.options.observer.onNotification?.(n);
  }

  private count(events: readonly Element[]): void {
    const onEvents = this.options.observer.onEvents;
    if (!onEvents || events.length === 0) return;
    const counts = new Map<string, number>();
    for (const [e] of events) {
      const k = `${e.source.schema}.${e.source.table}\u0000${e.op}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const [k, n] of counts) {
      const [table, op] = k.split('\u0000') as [string, ChangeEvent['op']];
      onEvents(table, op, n);
    }
  }

  /** Shutdown or downstream cancel: stop reading; finish once no statement or checkpoint write is in flight. */
  private stopReading(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.buffer.clear();
    this.complete(this.out);
    this.cancelTimer('poll');
    this.cancelTimer('retry');
    this.cancelTimer('controls');
    this.finishStop();
  }

  /** Completes once nothing is in flight, after closing the connection pool. */
  private finishStop(): void {
    if (this.busy || this.controlInFlight || this.closing) return;
    this.closing = true;
    const done = this.getAsyncCallback<void>(() => this.completeStage());
    this.client.close().then(done, done);
  }

  private snapshotStats(): CdcStats {
    const instances: Record<string, { table: string; read: CdcPosition | undefined; committed: CdcPosition | undefined }> = {};
    for (const t of this.session.tracked()) {
      instances[t.info.name] = { table: t.info.sourceTable, read: t.read, committed: this.ledger.committedPosition(t.info.name) };
    }
    return {
      phase: this.phase,
      emitted: this.emitted,
      iterations: this.iterations,
      maxLsn: this.stall?.last ?? null,
      retries: this.retries,
      instances,
      buffered: this.buffer.size,
    };
  }
}
