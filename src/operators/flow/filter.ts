import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class FilterStage<T> extends FusedStage<T, T> {
  constructor(
    ctx: StageContext,
    private readonly predicate: (element: T) => boolean,
    private readonly negate: boolean,
  ) {
    super(ctx);
  }
  onNext(element: T): void {
    let keep: boolean;
    try {
      keep = this.predicate(element) !== this.negate;
    } catch (e) {
      this.supervise(e);
      return;
    }
    if (keep) this.downstream.onNext(element);
  }
}

/** @internal `filter(p)` / `filterNot(p)` (supervised). */
export function filter<T>(predicate: (element: T) => boolean, negate: boolean): Blueprint {
  const name = negate ? 'filterNot' : 'filter';
  requireFunction(name, 'predicate', predicate);
  return fusedBlueprint(name, (ctx) => new FilterStage(ctx, predicate, negate));
}
