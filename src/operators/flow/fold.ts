import type { Blueprint, StageContext } from '../../core/blueprint';
import { NoSuchElementError } from '../../core/errors';
import { requireFunction } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

/** Folds every element into one value, emitted when upstream completes. */
class FoldStage<In, S> extends FusedStage<In, S> {
  /** Only for `reduce`: no element has arrived yet, so there is no accumulator. */
  private empty: boolean;
  constructor(
    ctx: StageContext,
    private acc: S,
    private readonly f: (acc: S, element: In) => S,
    reduce: boolean,
  ) {
    super(ctx);
    this.empty = reduce;
  }
  onNext(element: In): void {
    if (this.empty) {
      this.empty = false;
      this.acc = element as unknown as S;
      return;
    }
    try {
      this.acc = this.f(this.acc, element);
    } catch (e) {
      this.failStage(e);
    }
  }
  protected override onUpstreamFinish(): void {
    if (!this.empty) {
      this.emitThenComplete(this.acc);
      return;
    }
    this.downstream.onError(this.ctx.failure(new NoSuchElementError('reduce over an empty stream')));
    this.ctx.stopped();
  }
}

/** @internal The stage of `fold` and `reduce` (`zero` undefined: the first element is the seed). */
export function foldStage<In, S>(name: string, zero: S | undefined, f: (acc: S, element: In) => S): Blueprint {
  requireFunction(name, 'f', f);
  const reduce = zero === undefined;
  return fusedBlueprint(name, (ctx) => new FoldStage<In, S>(ctx, zero as S, f, reduce));
}

/** @internal `fold(zero, f)`. */
export function fold<In, S>(zero: S, f: (acc: S, element: In) => S): Blueprint {
  if (zero === undefined) throw new TypeError('fold: zero must not be undefined (it is emitted as an element)');
  return foldStage('fold', zero, f);
}
