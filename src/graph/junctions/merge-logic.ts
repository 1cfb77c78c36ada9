import type { StageContext } from '../../core/blueprint';
import { RingBuffer } from '../../core/ring-buffer';
import { GraphStageLogic } from '../../stage/graph-stage';
import type { Inlet, Outlet } from '../../stage/shape';

/**
 * The logic of the merging junctions (`Merge`, `MergePreferred`, `MergePrioritized`, `MergeLatest`): every input
 * is kept pulled and holds at most one element; when the output has demand, `nextWaiting()` picks which waiting
 * input goes next (by default the one that has waited longest) and `output()` makes the emitted value.
 * Completes when all inputs completed, or — with `eagerComplete` — as soon as one did: the other inputs are
 * cancelled and the elements already received are still emitted.
 * Downstream cancelling cancels every input; a failing input fails the stage.
 */
export class MergeLogic<T, Out = T> extends GraphStageLogic {
  /** Inputs holding an element, oldest first (each at most once). */
  private readonly fifo: RingBuffer<number>;
  private waiting = 0;
  private open: number;
  private eagerlyDone = false;

  constructor(
    ctx: StageContext,
    protected readonly inputs: readonly Inlet<T>[],
    private readonly out: Outlet<Out>,
    eagerComplete: boolean,
  ) {
    super(ctx, inputs, [out]);
    this.fifo = new RingBuffer<number>(inputs.length);
    this.open = inputs.length;
    inputs.forEach((inlet, i) => {
      this.setHandler(inlet, {
        onPush: () => {
          if (!this.admit(i)) return;
          if (this.isAvailable(out)) this.forward(i); // the output waits only when no input does
          else {
            this.waiting++;
            this.markWaiting(i);
          }
        },
        onUpstreamFinish: () => {
          this.open--;
          if (eagerComplete && !this.eagerlyDone) {
            this.eagerlyDone = true;
            for (const other of inputs) this.cancel(other);
          }
          this.completeIfDone();
        },
      });
    });
    this.setHandler(out, {
      onPull: () => {
        if (this.waiting === 0) return;
        this.waiting--;
        this.forward(this.nextWaiting());
      },
    });
  }

  override preStart(): void {
    for (const inlet of this.inputs) this.pull(inlet);
  }

  /** Whether input `i`'s new element is to be emitted; `false` means the subclass took it (and pulled again). */
  protected admit(_i: number): boolean {
    return true;
  }

  /** The value to emit for `element` of input `i`. */
  protected output(_i: number, element: T): Out {
    return element as unknown as Out;
  }

  /** Input `i` now holds an element. */
  protected markWaiting(i: number): void {
    this.fifo.push(i);
  }

  /** The waiting input to emit from next (called only when one is waiting). */
  protected nextWaiting(): number {
    return this.fifo.shift();
  }

  private forward(i: number): void {
    const inlet = this.inputs[i]!;
    const element = this.grab(inlet);
    // Pull before pushing: a synchronous upstream's next element then counts as waiting before the next pull is
    // handled, so `nextWaiting()` chooses among all inputs that have one (MergePreferred, MergePrioritized).
    this.tryPull(inlet);
    this.push(this.out, this.output(i, element));
    this.completeIfDone();
  }

  private completeIfDone(): void {
    if (this.waiting === 0 && (this.open === 0 || this.eagerlyDone)) this.completeStage();
  }
}
