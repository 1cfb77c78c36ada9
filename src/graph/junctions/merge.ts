import type { StageContext } from '../../core/blueprint';
import { RingBuffer } from '../../core/ring-buffer';
import { requirePositiveInt } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { UniformFanInShape, type Inlet } from '../../stage/shape';

/** Options of `Merge`. */
export interface MergeJunctionOptions {
  /** Complete as soon as any input completes (default: when all inputs completed). */
  readonly eagerComplete?: boolean;
}

/**
 * Merges `n` inputs into one output, taking elements as they arrive (inputs that are ready take turns).
 * Holds at most one element per input.
 * - Emits when: an input has an element and the output has demand. Backpressures when: downstream backpressures.
 * - Completes when: all inputs completed (or any, with `eagerComplete`). Cancels when: downstream cancels.
 *
 * @example
 * const merge = b.add(Merge.create<Row>(2));
 * b.from(tableA).to(merge.in(0)); b.from(tableB).to(merge.in(1)); b.from(merge.out).to(sink);
 */
export class Merge<T> extends GraphStage<UniformFanInShape<T, T>> {
  readonly shape: UniformFanInShape<T, T>;
  override get name(): string {
    return 'merge';
  }

  private constructor(
    n: number,
    private readonly options: MergeJunctionOptions,
  ) {
    super();
    this.shape = UniformFanInShape.create<T, T>('merge', n);
  }

  /** A merge of `n` inputs. */
  static create<T>(n: number, options: MergeJunctionOptions = {}): Merge<T> {
    requirePositiveInt('Merge', 'n', n);
    return new Merge<T>(n, options);
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    const { shape, options } = this;
    const logic = new (class extends GraphStageLogic {
      /** Inputs holding an element, in arrival order (each at most once). */
      private readonly ready = new RingBuffer<Inlet<T>>(shape.inlets.length);
      constructor() {
        super(ctx, shape.inlets, shape.outlets);
        for (const inlet of shape.inlets) {
          this.setHandler(inlet, {
            onPush: () => {
              if (this.isAvailable(shape.out)) this.forward(inlet);
              else this.ready.push(inlet);
            },
            onUpstreamFinish: () => this.completeIfDone(),
          });
        }
        this.setHandler(shape.out, {
          onPull: () => {
            if (!this.ready.isEmpty) this.forward(this.ready.shift());
          },
        });
      }
      override preStart(): void {
        for (const inlet of shape.inlets) this.pull(inlet);
      }
      private forward(inlet: Inlet<T>): void {
        this.push(shape.out, this.grab(inlet));
        if (!this.isClosed(inlet)) this.pull(inlet);
        else this.completeIfDone();
      }
      private completeIfDone(): void {
        const closed = shape.inlets.filter((i) => this.isClosed(i) && !this.isAvailable(i)).length;
        if (options.eagerComplete ? closed > 0 : closed === shape.inlets.length && this.ready.isEmpty) this.completeStage();
      }
    })();
    return { logic, mat: undefined };
  }
}
