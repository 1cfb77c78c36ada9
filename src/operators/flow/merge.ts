import type { Blueprint, StageContext } from '../../core/blueprint';
import { FanInLogic, fanInBlueprint, tryPullInput } from './fan-in';
import { requireGraph } from './graph-arg';

/** Options of `merge`. */
export interface MergeOptions {
  /** Complete as soon as either input completes (the other is cancelled); default false. */
  readonly eagerComplete?: boolean;
}

/**
 * Keeps both inputs pulled (one element each at most) and emits whichever has an element; when both have one,
 * they take turns, so neither input can starve the other.
 */
class MergeLogic<T> extends FanInLogic<T> {
  private preferred: 0 | 1 = 0;

  constructor(
    ctx: StageContext,
    other: Blueprint,
    private readonly eagerComplete: boolean,
  ) {
    super(ctx, other);
  }

  override preStart(): void {
    super.preStart();
    for (const input of this.inputs) tryPullInput(input);
  }

  protected onPull(): void {
    this.emitNext();
  }

  protected onInputPush(): void {
    if (this.isAvailable(this.out)) this.emitNext();
  }

  protected onInputFinish(i: 0 | 1): void {
    if (this.eagerComplete) this.inputs[1 - i]!.cancel();
    this.completeIfDone();
  }

  private emitNext(): void {
    const [a, b] = this.preferred === 0 ? [0, 1] : [1, 0];
    const i = this.inputs[a]!.isAvailable ? a : this.inputs[b]!.isAvailable ? b : -1;
    if (i < 0) return;
    const input = this.inputs[i]!;
    this.preferred = (1 - i) as 0 | 1;
    this.push(this.out, input.grab());
    tryPullInput(input);
    this.completeIfDone();
  }

  /** Completes once both inputs are closed and no element they pushed is left. */
  private completeIfDone(): void {
    if (this.inputs.every((input) => input.isClosed && !input.isAvailable)) this.completeStage();
  }
}

/** @internal `merge(other, options)`. */
export function merge(other: Blueprint, options?: MergeOptions): Blueprint {
  requireGraph('merge', 'other', 'Source', other);
  const eager = options?.eagerComplete ?? false;
  if (typeof eager !== 'boolean') throw new TypeError(`merge: eagerComplete must be a boolean, got ${typeof eager}`);
  return fanInBlueprint('merge', (ctx) => new MergeLogic(ctx, other, eager));
}
