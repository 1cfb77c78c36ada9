import type { Blueprint, StageContext } from '../../core/blueprint';
import { FanInLogic, fanInBlueprint, tryPullInput } from './fan-in';
import { requireGraph } from './graph-arg';

/**
 * Emits all elements of input `first`, then those of the other input. Both are materialized when the stage starts
 * (Akka's eager `concat`); the second is pulled only after the first completed. With `orElse`, the first element
 * of the primary input cancels the secondary, which is then never used.
 */
class ConcatLogic<T> extends FanInLogic<T> {
  private current: 0 | 1;

  constructor(
    ctx: StageContext,
    other: Blueprint,
    private readonly first: 0 | 1,
    private readonly orElse: boolean,
  ) {
    super(ctx, other);
    this.current = first;
  }

  protected onPull(): void {
    tryPullInput(this.inputs[this.current]);
  }

  protected onInputPush(i: 0 | 1): void {
    const second = this.inputs[1 - i]!;
    if (this.orElse && !second.isClosed) second.cancel();
    this.push(this.out, this.inputs[i].grab());
  }

  protected onInputFinish(i: 0 | 1): void {
    if (i !== this.current) return; // the second input finished early: noticed when the first finishes
    const next = (1 - i) as 0 | 1;
    if (i !== this.first || this.inputs[next].isClosed) {
      this.completeStage();
      return;
    }
    this.current = next;
    if (this.isAvailable(this.out)) tryPullInput(this.inputs[next]);
  }
}

/** @internal `concat(other)`: this stream, then `other`. */
export function concat(other: Blueprint): Blueprint {
  requireGraph('concat', 'other', 'Source', other);
  return fanInBlueprint('concat', (ctx) => new ConcatLogic(ctx, other, 0, false));
}

/** @internal `prepend(other)`: `other`, then this stream. */
export function prepend(other: Blueprint): Blueprint {
  requireGraph('prepend', 'other', 'Source', other);
  return fanInBlueprint('prepend', (ctx) => new ConcatLogic(ctx, other, 1, false));
}

/** @internal `orElse(other)`: this stream, or `other` if this one completes empty. */
export function orElse(other: Blueprint): Blueprint {
  requireGraph('orElse', 'other', 'Source', other);
  return fanInBlueprint('orElse', (ctx) => new ConcatLogic(ctx, other, 0, true));
}
