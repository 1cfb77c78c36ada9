import type { Blueprint, StageContext } from '../../core/blueprint';
import { StreamLimitReachedError } from '../../core/errors';
import { requireNonNegativeInt } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class LimitStage<T> extends FusedStage<T, T> {
  private seen = 0;
  constructor(
    ctx: StageContext,
    private readonly max: number,
  ) {
    super(ctx);
  }
  onNext(element: T): void {
    if (++this.seen > this.max) this.failStage(new StreamLimitReachedError(this.max));
    else this.downstream.onNext(element);
  }
}

/** @internal `limit(max)`: fails with `StreamLimitReachedError` on element `max + 1`. */
export function limit(max: number): Blueprint {
  requireNonNegativeInt('limit', 'max', max);
  return fusedBlueprint('limit', (ctx) => new LimitStage(ctx, max));
}
