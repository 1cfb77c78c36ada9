import type { Blueprint, StageContext } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class SlidingStage<T> extends FusedStage<T, T[]> {
  private window: T[] = [];
  /** Elements to skip before the next window starts (when `step > size`). */
  private skip = 0;
  /** Whether `window` holds an element that no emitted window contained. */
  private fresh = false;

  constructor(
    ctx: StageContext,
    private readonly size: number,
    private readonly step: number,
  ) {
    super(ctx);
  }

  onNext(element: T): void {
    if (this.skip > 0) {
      this.skip--;
      return;
    }
    const w = this.window;
    w.push(element);
    this.fresh = true;
    if (w.length < this.size) return;
    if (this.step < this.size) {
      this.window = w.slice(this.step);
    } else {
      this.window = [];
      this.skip = this.step - this.size;
    }
    this.fresh = false;
    this.downstream.onNext(w);
  }

  protected override onUpstreamFinish(): void {
    const w = this.window;
    this.window = [];
    if (this.fresh) this.emitThenComplete(w);
    else super.onUpstreamFinish();
  }
}

/**
 * @internal `sliding(size, step)`: windows of `size` elements starting every `step` elements; at completion a
 * shorter last window is emitted if it holds elements no earlier window had (Akka's semantics).
 */
export function sliding<T>(size: number, step: number): Blueprint {
  requirePositiveInt('sliding', 'size', size);
  requirePositiveInt('sliding', 'step', step);
  return fusedBlueprint('sliding', (ctx) => new SlidingStage<T>(ctx, size, step));
}
