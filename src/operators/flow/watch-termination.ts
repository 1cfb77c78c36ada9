import { atom, type Blueprint } from '../../core/blueprint';
import { StageFailure } from '../../core/stage-failure';
import { Deferred } from '../../stage/fused-sink';
import { FusedStage } from '../../stage/fused-stage';

class WatchTerminationStage<T> extends FusedStage<T, T> {
  readonly done = new Deferred<void>();
  onNext(element: T): void {
    this.downstream.onNext(element);
  }
  override cancel(cause?: unknown): void {
    if (!this.closed) {
      if (cause instanceof StageFailure) this.done.reject(cause);
      else this.done.resolve();
    }
    super.cancel(cause);
  }
  protected override onUpstreamFinish(): void {
    this.done.resolve();
    super.onUpstreamFinish();
  }
  protected override onUpstreamFailure(error: unknown): void {
    this.done.reject(error);
    super.onUpstreamFailure(error);
  }
}

/**
 * @internal `watchTermination()`: materializes a promise that resolves when upstream completes or downstream
 * cancels, and rejects with the `StageFailure` when upstream fails or downstream cancels because it failed.
 */
export function watchTermination(): Blueprint {
  return atom('watchTermination', (ctx) => {
    const stage = new WatchTerminationStage(ctx);
    return { in: stage, out: stage, mat: stage.done.promise };
  });
}
