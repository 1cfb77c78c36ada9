import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class CollectStage<In, Out> extends FusedStage<In, Out> {
  constructor(
    ctx: StageContext,
    private readonly f: (element: In) => Out | undefined,
  ) {
    super(ctx);
  }
  onNext(element: In): void {
    let out: Out | undefined;
    try {
      out = this.f(element);
    } catch (e) {
      this.supervise(e);
      return;
    }
    if (out !== undefined) this.downstream.onNext(out);
  }
}

/** @internal `collect(f)`: map and filter in one step, `undefined` results are dropped (supervised). */
export function collect<In, Out>(f: (element: In) => Out | undefined): Blueprint {
  requireFunction('collect', 'f', f);
  return fusedBlueprint('collect', (ctx) => new CollectStage(ctx, f));
}
