import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class MapStage<In, Out> extends FusedStage<In, Out> {
  constructor(
    ctx: StageContext,
    private readonly f: (element: In) => Out,
  ) {
    super(ctx);
  }
  onNext(element: In): void {
    let out: Out;
    try {
      out = this.f(element);
    } catch (e) {
      this.supervise(e);
      return;
    }
    this.downstream.onNext(out);
  }
}

/** @internal `map(f)` (supervised). */
export function map<In, Out>(f: (element: In) => Out): Blueprint {
  requireFunction('map', 'f', f);
  return fusedBlueprint('map', (ctx) => new MapStage(ctx, f));
}
