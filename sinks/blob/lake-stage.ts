/**
 * The lake sink's stage: feeds the `LakeWriter` one operation at a time, rolls files by age on the
 * materializer's scheduler, and emits what was committed (files, or contexts to acknowledge) in order.
 */
import type { RecordBatch } from 'apache-arrow';
import { FlowShape, GraphStage, GraphStageLogic, Inlet, Outlet, type BufferStats, type StageContext } from 'tributary';
import { BufferCounters } from '../../src/core/buffer-counters';
import { Deque } from '../../src/core/deque';
import { LakeWriter, type Committed, type LakeSettings, type LakeSummary, type Progress, type WrittenFile } from './lake-writer';

/** What the stage emits: each committed file, or each acknowledged context with its file. */
export type LakeOutput = 'files' | 'contexts';

const AGE = 'maxFileAge';

class LakeLogic<Ctx> extends GraphStageLogic {
  private readonly writer: LakeWriter<Ctx>;
  private busy = false;
  /** The operation in flight (postStop discards the open file only after it settled). */
  private inflight: Promise<unknown> = Promise.resolve();
  private due = false;
  private finished = false;
  private readonly outbox = new Deque<Committed<Ctx>>();
  private current: { readonly entry: Committed<Ctx>; next: number } | undefined;
  private readonly done: (r: { readonly error?: unknown; readonly progress?: Progress<Ctx>; readonly final?: boolean }) => void;
  private settle!: { resolve(s: LakeSummary): void; reject(e: unknown): void };
  readonly promise: Promise<LakeSummary>;
  private readonly counters: BufferCounters;

  constructor(
    ctx: StageContext,
    private readonly shape: FlowShape<unknown, unknown>,
    settings: LakeSettings,
    private readonly maxFileAgeMs: number,
    private readonly output: LakeOutput,
    private readonly withContext: boolean,
  ) {
    super(ctx, [shape.in], [shape.out]);
    this.writer = new LakeWriter<Ctx>(settings, () => this.now());
    this.promise = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.promise.catch(() => undefined);
    // Rows held in open files; one batch in flight at a time.
    this.counters = new BufferCounters(
      settings.maxRows * settings.maxOpenFiles,
      () => this.writer.openRows,
      () => (this.busy ? 1 : 0),
      () => !this.isStopped && !this.busy,
    );
    this.done = this.getAsyncCallback((r) => {
      this.busy = false;
      if ('error' in r) {
        this.failStage(r.error);
        return;
      }
      if (this.output === 'files') for (const file of r.progress?.files ?? []) this.outbox.push({ file, contexts: [] });
      else for (const ack of r.progress?.acks ?? []) this.outbox.push(ack);
      if (r.final) {
        this.finished = true;
        this.settle.resolve(this.writer.summary());
      }
      this.armAgeTimer();
      this.pump();
    });
    this.setHandler(shape.in, {
      onPush: () => {
        const element = this.grab(shape.in);
        const [batch, contexts] = this.withContext
          ? (element as [RecordBatch, readonly Ctx[]])
          : ([element as RecordBatch, []] as const);
        this.startOp(() => this.writer.write(batch, contexts ?? []));
        this.counters.sample();
      },
      onUpstreamFinish: () => this.pump(),
      onUpstreamFailure: (e) => this.failStage(e),
    });
    this.setHandler(shape.out, { onPull: () => this.pump() });
  }

  override stats(): BufferStats {
    return this.counters;
  }

  override preStart(): void {
    this.setKeepGoing(true);
    this.pump();
  }

  protected override onTimer(): void {
    this.due = true;
    this.pump();
  }

  override failStage(error: unknown): void {
    this.settle.reject(this.ctx.failure(error));
    super.failStage(error);
  }

  override postStop(): void {
    if (this.finished) return;
    // Stopped before the end (failure or cancellation): the open file never becomes visible, and no context
    // of it was emitted. Discarded once the operation in flight settled.
    void this.inflight.then(() => this.writer.abort());
    this.settle.reject(this.ctx.failure(new Error(`${this.ctx.name}: stopped before the stream completed; the open file was discarded`)));
  }

  /** Starts `op`; its outcome comes back through `done`. */
  private startOp(op: () => Promise<Progress<Ctx>>, final = false): void {
    this.busy = true;
    this.inflight = op().then(
      async (progress) => {
        if (final) await this.writer.complete();
        this.done({ progress, final });
      },
      (error: unknown) => this.done({ error }),
    );
  }

  /** Emits committed work, then starts the next operation: age roll, end of stream, or the next batch. */
  private pump(): void {
    if (this.isStopped) return;
    const out = this.shape.out;
    while (this.isAvailable(out) && this.emitNext());
    if (this.busy || this.current || !this.outbox.isEmpty) return;
    if (this.finished) {
      this.completeStage();
      return;
    }
    if (this.isClosed(this.shape.in)) {
      this.cancelTimer(AGE);
      this.startOp(() => this.writer.flush(), true);
      return;
    }
    if (this.due) {
      this.due = false;
      this.startOp(() => this.writer.flush(this.maxFileAgeMs));
      return;
    }
    this.tryPull(this.shape.in);
  }

  /** Pushes one element of the committed work; false when there is none. */
  private emitNext(): boolean {
    for (;;) {
      if (!this.current) {
        const entry = this.outbox.shift();
        if (!entry) return false;
        this.current = { entry, next: 0 };
      }
      const { entry } = this.current;
      if (this.output === 'files') {
        this.current = undefined;
        if (entry.file) {
          this.push(this.shape.out, entry.file);
          return true;
        }
        continue;
      }
      if (this.current.next >= entry.contexts.length) {
        this.current = undefined;
        continue;
      }
      const context = entry.contexts[this.current.next++];
      if (this.current.next >= entry.contexts.length) this.current = undefined;
      this.push(this.shape.out, [entry.file, context]);
      return true;
    }
  }

  /** Schedules the age roll of the oldest open file. */
  private armAgeTimer(): void {
    const oldest = this.writer.oldestOpenedAt;
    if (oldest === undefined) this.cancelTimer(AGE);
    else this.scheduleOnce(AGE, Math.max(0, oldest + this.maxFileAgeMs - this.now()));
  }
}

/** The lake stage: `[RecordBatch, Ctx[]]` or `RecordBatch` in; `WrittenFile` or `[WrittenFile | undefined, Ctx]` out. */
export class LakeStage<In, Out> extends GraphStage<FlowShape<In, Out>, Promise<LakeSummary>> {
  readonly shape = new FlowShape(new Inlet<In>('lake.in'), new Outlet<Out>('lake.out'));
  constructor(
    private readonly settings: LakeSettings,
    private readonly maxFileAgeMs: number,
    private readonly output: LakeOutput,
    private readonly withContext: boolean,
  ) {
    super();
  }
  override get name(): string {
    return 'lakeSink';
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: Promise<LakeSummary> } {
    const logic = new LakeLogic(ctx, this.shape as FlowShape<unknown, unknown>, this.settings, this.maxFileAgeMs, this.output, this.withContext);
    return { logic, mat: logic.promise };
  }
}

export type { WrittenFile };
