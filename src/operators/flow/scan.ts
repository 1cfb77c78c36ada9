import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { ExpandingStage } from '../../stage/expanding-stage';
import { fusedBlueprint } from '../../stage/fused-stage';

class ScanStage<In, S> extends ExpandingStage<In, S> {
  private acc: S;
  constructor(
    ctx: StageContext,
    private readonly zero: S,
    private readonly f: (acc: S, element: In) => S,
  ) {
    super(ctx);
    this.acc = zero;
    ctx.onStart(() => this.emitMultiple([zero].values()));
  }
  onNext(element: In): void {
    let next: S;
    try {
      next = this.f(this.acc, element);
    } catch (e) {
      this.supervise(e);
      return;
    }
    this.acc = next;
    this.downstream.onNext(next);
  }
  /** As in Akka, a restart emits the seed again and accumulates from it. */
  protected override restart(): void {
    this.acc = this.zero;
    this.emitMultiple([this.zero].values());
  }
}

/** @internal `scan(zero, f)` (supervised): emits `zero` first, then every accumulated value. */
export function scan<In, S>(zero: S, f: (acc: S, element: In) => S): Blueprint {
  requireFunction('scan', 'f', f);
  if (zero === undefined) throw new TypeError('scan: zero must not be undefined (it is emitted as an element)');
  return fusedBlueprint('scan', (ctx) => new ScanStage(ctx, zero, f));
}
