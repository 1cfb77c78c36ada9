import type { Blueprint, StageContext } from '../../core/blueprint';
import { rootCause } from '../../core/stage-failure';
import { requireFunction } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class RecoverStage<T> extends FusedStage<T, T> {
  constructor(
    ctx: StageContext,
    private readonly f: (error: unknown) => T | undefined,
  ) {
    super(ctx);
  }
  onNext(element: T): void {
    this.downstream.onNext(element);
  }
  protected override onUpstreamFailure(error: unknown): void {
    let element: T | undefined;
    try {
      element = this.f(rootCause(error));
    } catch (e) {
      super.onUpstreamFailure(this.ctx.failure(e));
      return;
    }
    if (element === undefined) super.onUpstreamFailure(error);
    else this.emitThenComplete(element);
  }
}

/**
 * @internal `recover(f)`: on upstream failure emits `f(original error)` (when downstream asks) and completes;
 * `undefined` passes the original failure on, and an error thrown by `f` fails the stream as this stage's failure.
 */
export function recover<T>(f: (error: unknown) => T | undefined): Blueprint {
  requireFunction('recover', 'f', f);
  return fusedBlueprint('recover', (ctx) => new RecoverStage(ctx, f));
}
