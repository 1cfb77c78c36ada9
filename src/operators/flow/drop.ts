import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireNonNegativeInt } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class DropStage<T> extends FusedStage<T, T> {
  constructor(
    ctx: StageContext,
    private left: number,
  ) {
    super(ctx);
  }
  onNext(element: T): void {
    if (this.left > 0) this.left--;
    else this.downstream.onNext(element);
  }
}

/** @internal `drop(n)`. */
export function drop(n: number): Blueprint {
  requireNonNegativeInt('drop', 'n', n);
  return fusedBlueprint('drop', (ctx) => new DropStage(ctx, n));
}
