import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class DropWhileStage<T> extends FusedStage<T, T> {
  private dropping = true;
  constructor(
    ctx: StageContext,
    private readonly predicate: (element: T) => boolean,
  ) {
    super(ctx);
  }
  onNext(element: T): void {
    if (this.dropping) {
      try {
        if (this.predicate(element)) return;
      } catch (e) {
        this.failStage(e);
        return;
      }
      this.dropping = false;
    }
    this.downstream.onNext(element);
  }
}

/** @internal `dropWhile(p)`: the predicate is not called again once it failed to hold. */
export function dropWhile<T>(predicate: (element: T) => boolean): Blueprint {
  requireFunction('dropWhile', 'predicate', predicate);
  return fusedBlueprint('dropWhile', (ctx) => new DropWhileStage(ctx, predicate));
}
