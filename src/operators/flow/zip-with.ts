import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { FanInLogic, fanInBlueprint, tryPullInput } from './fan-in';
import { requireGraph } from './graph-arg';

/**
 * On each downstream pull, pulls both inputs once and emits `f(a, b)` when both elements are there. When an input
 * completes, the stage completes as soon as its last element (if any) has been combined; the other is cancelled.
 */
class ZipWithLogic<A, B, R> extends FanInLogic<R> {
  private finishing = false;

  constructor(
    ctx: StageContext,
    other: Blueprint,
    private readonly f: (a: A, b: B) => R,
  ) {
    super(ctx, other);
  }

  protected onPull(): void {
    for (const input of this.inputs) tryPullInput(input);
    this.onInputPush();
  }

  protected onInputPush(): void {
    const [a, b] = this.inputs;
    if (!a.isAvailable || !b.isAvailable || !this.isAvailable(this.out)) return;
    // A throw from `f` fails the stage (the logic's handler contract).
    this.push(this.out, this.f(a.grab(), b.grab()));
    if (this.finishing) this.completeStage();
  }

  protected onInputFinish(i: 0 | 1): void {
    if (this.inputs[i].isAvailable) this.finishing = true;
    else this.completeStage();
  }
}

/** @internal `zip(other)` / `zipWith(other, f)`. */
export function zipWith<A, B, R>(other: Blueprint, f: (a: A, b: B) => R): Blueprint {
  requireGraph('zipWith', 'other', 'Source', other);
  requireFunction('zipWith', 'f', f);
  return fanInBlueprint('zipWith', (ctx) => new ZipWithLogic(ctx, other, f));
}
