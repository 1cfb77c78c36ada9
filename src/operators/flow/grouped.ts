import type { Blueprint, StageContext } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class GroupedStage<T> extends FusedStage<T, T[]> {
  private group: T[] = [];
  constructor(
    ctx: StageContext,
    private readonly size: number,
  ) {
    super(ctx);
  }
  onNext(element: T): void {
    const g = this.group;
    g.push(element);
    if (g.length === this.size) {
      this.group = [];
      this.downstream.onNext(g);
    }
  }
  protected override onUpstreamFinish(): void {
    const g = this.group;
    this.group = [];
    if (g.length > 0) this.emitThenComplete(g);
    else super.onUpstreamFinish();
  }
}

/** @internal `grouped(size)`. */
export function grouped<T>(size: number): Blueprint {
  requirePositiveInt('grouped', 'size', size);
  return fusedBlueprint('grouped', (ctx) => new GroupedStage<T>(ctx, size));
}
