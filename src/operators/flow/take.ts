import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireNonNegativeInt } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class TakeStage<T> extends FusedStage<T, T> {
  private left: number;
  constructor(ctx: StageContext, n: number) {
    super(ctx);
    this.left = n;
    if (n === 0) ctx.onStart(() => this.completeStage());
  }
  onNext(element: T): void {
    if (this.left <= 0) return;
    this.left--;
    this.downstream.onNext(element);
    if (this.left === 0) this.completeStage();
  }
}

/** @internal `take(n)`. */
export function take<T>(n: number): Blueprint {
  requireNonNegativeInt('take', 'n', n);
  return fusedBlueprint('take', (ctx) => new TakeStage<T>(ctx, n));
}
