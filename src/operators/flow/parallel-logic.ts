import type { StageContext } from '../../core/blueprint';
import type { BufferCounters } from '../../core/buffer-counters';
import { FlowLogic } from './flow-logic';

/**
 * Base of the stages that work on up to `capacity` elements at once and emit results when they are ready
 * (mapAsync, mapAsyncUnordered, mapAsyncPartitioned, flatMapMerge, flatMapConcat). Upstream is pulled eagerly while
 * fewer than `capacity` elements are held (`counters`: buffered + in flight), results go out on downstream's pulls
 * (`pushReady`), and the stage completes once upstream finished and nothing is held.
 */
export abstract class ParallelLogic<In, Out> extends FlowLogic<In, Out> {
  constructor(
    ctx: StageContext,
    protected readonly counters: BufferCounters,
  ) {
    super(ctx);
  }

  override stats(): BufferCounters {
    return this.counters;
  }

  override preStart(): void {
    this.pull(this.in);
  }

  /** Pushes what is ready while downstream pulls; calls `pullIfRoom()` and `completeIfDone()` as room frees up. */
  protected abstract pushReady(): void;

  protected override onPulled(): void {
    this.pushReady();
  }

  protected override onUpstreamDone(): void {
    this.completeIfDone();
  }

  protected pullIfRoom(): void {
    if (!this.isStopped && this.held() < this.counters.capacity) this.tryPull(this.in);
  }

  protected completeIfDone(): void {
    if (this.isClosed(this.in) && this.held() === 0) this.completeStage();
  }

  private held(): number {
    return this.counters.buffered + this.counters.inFlight;
  }
}
