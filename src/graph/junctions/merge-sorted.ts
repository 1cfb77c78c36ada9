import type { StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { FanInShape2, type Inlet } from '../../stage/shape';

/** Natural order for numbers, strings, bigints and Dates (`<` / `>`). */
const naturalOrder = <T>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

type Slot<T> = { readonly value: T } | undefined;

/**
 * Merges two inputs that are each sorted by `compare` into one sorted output. It must see an element of both
 * inputs to choose (an input that completed no longer counts); on a tie the element of `in0` goes first, so equal
 * elements keep their input order. Holds at most one element per input. Unsorted inputs are not detected.
 * - Emits when: both inputs have an element (or one input completed and the other has one).
 * - Backpressures when: downstream backpressures.
 * - Completes when: both inputs completed and their elements were emitted. Fails when: an input or `compare` fails.
 * - Cancels when: downstream cancels.
 *
 * @example
 * const merge = b.add(MergeSorted.create<Row>((a, b) => a.lsn - b.lsn));
 * b.from(tableA).to(merge.in0); b.from(tableB).to(merge.in1); b.from(merge.out).to(sink);
 */
export class MergeSorted<T> extends GraphStage<FanInShape2<T, T, T>> {
  readonly shape = FanInShape2.create<T, T, T>('mergeSorted');
  override get name(): string {
    return 'mergeSorted';
  }

  private constructor(private readonly compare: (a: T, b: T) => number) {
    super();
  }

  /** A sorted merge by `compare` (negative: `a` first); default: natural order (`<`). */
  static create<T>(compare: (a: T, b: T) => number = naturalOrder): MergeSorted<T> {
    requireFunction('MergeSorted', 'compare', compare);
    return new MergeSorted<T>(compare);
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    const { shape, compare } = this;
    const inputs: readonly [Inlet<T>, Inlet<T>] = [shape.in0, shape.in1];
    const logic = new (class extends GraphStageLogic {
      private readonly slots: [Slot<T>, Slot<T>] = [undefined, undefined];
      constructor() {
        super(ctx, shape.inlets, shape.outlets);
        inputs.forEach((inlet, i) => {
          this.setHandler(inlet, {
            onPush: () => {
              this.slots[i] = { value: this.grab(inlet) };
              this.tryEmit();
            },
            onUpstreamFinish: () => this.tryEmit(),
          });
        });
        this.setHandler(shape.out, { onPull: () => this.tryEmit() });
      }
      override preStart(): void {
        for (const inlet of inputs) this.pull(inlet);
      }
      private tryEmit(): void {
        const [a, b] = this.slots;
        const ready = (i: 0 | 1): boolean => this.slots[i] !== undefined || this.isClosed(inputs[i]);
        if (!a && !b) {
          if (this.isClosed(inputs[0]) && this.isClosed(inputs[1])) this.completeStage();
          return;
        }
        if (!this.isAvailable(shape.out) || !ready(0) || !ready(1)) return;
        const i = !b || (a && compare(a.value, b.value) <= 0) ? 0 : 1;
        this.push(shape.out, this.slots[i]!.value);
        this.slots[i] = undefined;
        if (this.isClosed(inputs[i])) this.tryEmit();
        else this.pull(inputs[i]);
      }
    })();
    return { logic, mat: undefined };
  }
}
