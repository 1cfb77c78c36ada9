import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { ExpandingStage } from '../../stage/expanding-stage';
import { fusedBlueprint } from '../../stage/fused-stage';

class MapConcatStage<In, Out> extends ExpandingStage<In, Out> {
  constructor(
    ctx: StageContext,
    private readonly f: (element: In) => Iterable<Out>,
  ) {
    super(ctx);
  }
  onNext(element: In): void {
    let iterator: Iterator<Out>;
    try {
      iterator = this.f(element)[Symbol.iterator]();
    } catch (e) {
      this.supervise(e);
      return;
    }
    this.emitMultiple(iterator);
  }
}

/**
 * @internal `mapConcat(f)` (supervised): the iterable is read lazily, one element ahead of demand; an error from
 * `f` or from the iterator drops the rest of that iterable under `resume`/`restart`.
 */
export function mapConcat<In, Out>(f: (element: In) => Iterable<Out>): Blueprint {
  requireFunction('mapConcat', 'f', f);
  return fusedBlueprint('mapConcat', (ctx) => new MapConcatStage(ctx, f));
}
