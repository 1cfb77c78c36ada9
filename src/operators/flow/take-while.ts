import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class TakeWhileStage<T> extends FusedStage<T, T> {
  constructor(
    ctx: StageContext,
    private readonly predicate: (element: T) => boolean,
    private readonly inclusive: boolean,
  ) {
    super(ctx);
  }
  onNext(element: T): void {
    let holds: boolean;
    try {
      holds = this.predicate(element);
    } catch (e) {
      this.failStage(e);
      return;
    }
    if (holds) {
      this.downstream.onNext(element);
      return;
    }
    if (this.inclusive) this.downstream.onNext(element);
    this.completeStage();
  }
}

/** @internal `takeWhile(p, inclusive)`. */
export function takeWhile<T>(predicate: (element: T) => boolean, inclusive: boolean): Blueprint {
  requireFunction('takeWhile', 'predicate', predicate);
  return fusedBlueprint('takeWhile', (ctx) => new TakeWhileStage(ctx, predicate, inclusive === true));
}
