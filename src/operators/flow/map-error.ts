import type { Blueprint, StageContext } from '../../core/blueprint';
import { rootCause } from '../../core/stage-failure';
import { requireFunction } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class MapErrorStage<T> extends FusedStage<T, T> {
  constructor(
    ctx: StageContext,
    private readonly f: (error: unknown) => unknown,
  ) {
    super(ctx);
  }
  onNext(element: T): void {
    this.downstream.onNext(element);
  }
  protected override onUpstreamFailure(error: unknown): void {
    let mapped: unknown;
    try {
      mapped = this.f(rootCause(error));
    } catch (e) {
      mapped = e;
    }
    super.onUpstreamFailure(mapped === undefined ? error : this.ctx.failure(mapped));
  }
}

/**
 * @internal `mapError(f)`: the stream fails with `f(original error)` wrapped as a failure of this stage;
 * `undefined` keeps the original failure, and an error thrown by `f` becomes the failure.
 */
export function mapError(f: (error: unknown) => unknown): Blueprint {
  requireFunction('mapError', 'f', f);
  return fusedBlueprint('mapError', (ctx) => new MapErrorStage(ctx, f));
}
