import type { StageContext } from '../core/blueprint';
import type { BufferStats } from '../core/materializer';
import { demandOwner, type Downstream, type OutPort } from '../core/protocol';

/**
 * Base of fast synchronous sources (arrays, iterables, ranges): while downstream has demand, `produce` is called
 * and its element pushed, in a plain loop. The loop yields to the event loop every `syncLimit` elements so timers
 * and I/O stay live. Cancellation calls `onCancel` once.
 */
export abstract class FusedSource<T> implements OutPort<T> {
  downstream!: Downstream<T>;
  private owner!: Downstream<unknown>;
  private started = false;
  private draining = false;
  private yieldPending = false;
  private emittedSinceYield = 0;
  /** True once completed, failed or cancelled. */
  protected done = false;

  /** `stats`: buffer counters for observers, for sources that buffer (queues). */
  constructor(
    protected readonly ctx: StageContext,
    stats?: BufferStats,
  ) {
    ctx.onStart(() => this.start(), stats);
  }

  attachDownstream(downstream: Downstream<T>): void {
    this.downstream = downstream;
  }

  /**
   * Pushes the next element with `emit(x)`, or calls `complete()`/`fail(e)`. Called only when downstream has
   * demand; must emit at most one element per call. A source fed from outside (a queue) returns `false` when it
   * has nothing yet, and calls `onDemand()` once it has.
   */
  protected abstract produce(): void | false;

  /** Releases resources after cancellation, completion or failure (called once). */
  protected onStop(): void {}

  onDemand(): void {
    if (this.started && !this.draining && !this.yieldPending && !this.done) this.drain();
  }

  cancel(): void {
    if (this.done) return;
    this.stop();
  }

  protected emit(element: T): void {
    this.downstream.onNext(element);
  }

  protected complete(): void {
    if (this.done) return;
    this.stop();
    this.downstream.onComplete();
  }

  protected fail(error: unknown): void {
    if (this.done) return;
    this.stop();
    this.downstream.onError(this.ctx.failure(error));
  }

  /** Called once after the source started and drained what it could (e.g. to subscribe to a producer). */
  protected afterStart(): void {}

  private start(): void {
    this.started = true;
    this.owner = demandOwner(this.downstream);
    this.drain();
    if (!this.done) this.afterStart();
  }

  private stop(): void {
    this.done = true;
    try {
      this.onStop();
    } finally {
      this.ctx.stopped();
    }
  }

  private drain(): void {
    this.draining = true;
    const owner = this.owner;
    const limit = this.ctx.materializer.syncLimit;
    try {
      while (!this.done && owner.hasDemand()) {
        // Counted across drains: demand that comes back through promise callbacks (microtasks) must not starve
        // timers and I/O either.
        if (this.emittedSinceYield++ === limit) {
          this.yieldPending = true;
          this.ctx.materializer.yieldTo(() => {
            this.yieldPending = false;
            this.emittedSinceYield = 0;
            this.onDemand();
          });
          break;
        }
        try {
          if (this.produce() === false) break;
        } catch (e) {
          this.fail(e);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
