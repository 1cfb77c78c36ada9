import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { FusedStage } from '../../stage/fused-stage';

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
  return atom('map', (ctx) => {
    const stage = new MapStage(ctx, f);
    return { in: stage, out: stage, mat: undefined };
  });
}
