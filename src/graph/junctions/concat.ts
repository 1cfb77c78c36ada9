import type { StageContext } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { UniformFanInShape } from '../../stage/shape';
import { booleanOption } from './options';

/** Options of `Concat`. */
export interface ConcatOptions {
  /**
   * Pull every input once at start (each then holds at most one element), instead of pulling only the current
   * input on demand. Useful when inputs must start early, e.g. to get a cycle going. Default false.
   */
  readonly detachedInputs?: boolean;
}

/**
 * Emits all elements of input 0, then all of input 1, and so on. All inputs are materialized when the stage
 * starts; an input is pulled only once it is current (or, with `detachedInputs`, once at start). Inputs that
 * complete before their turn are skipped when it comes.
 * - Emits when: the current input has an element and the output has demand.
 * - Backpressures when: downstream backpressures.
 * - Completes when: the last input completed. Fails when: any input fails (even one whose turn has not come).
 * - Cancels when: downstream cancels (all inputs are cancelled).
 *
 * @example
 * const concat = b.add(Concat.create<Row>(2)); // snapshot first, then the change feed
 * b.from(snapshot).to(concat.in(0)); b.from(changes).to(concat.in(1)); b.from(concat.out).to(sink);
 */
export class Concat<T> extends GraphStage<UniformFanInShape<T, T>> {
  readonly shape: UniformFanInShape<T, T>;
  override get name(): string {
    return 'concat';
  }

  private constructor(
    n: number,
    private readonly detachedInputs: boolean,
  ) {
    super();
    this.shape = UniformFanInShape.create<T, T>('concat', n);
  }

  /** A concatenation of `n` inputs (default 2). */
  static create<T>(n = 2, options: ConcatOptions = {}): Concat<T> {
    requirePositiveInt('Concat', 'n', n);
    return new Concat<T>(n, booleanOption('Concat', options, 'detachedInputs'));
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    const { shape, detachedInputs } = this;
    const inputs = shape.inlets;
    const logic = new (class extends GraphStageLogic {
      private current = 0;
      constructor() {
        super(ctx, shape.inlets, shape.outlets);
        inputs.forEach((inlet, i) => {
          this.setHandler(inlet, {
            onPush: () => {
              if (i === this.current && this.isAvailable(shape.out)) this.emitCurrent();
            },
            onUpstreamFinish: () => {
              if (i === this.current && !this.isAvailable(inlet)) this.advance();
            },
          });
        });
        this.setHandler(shape.out, { onPull: () => this.serve() });
      }
      override preStart(): void {
        if (detachedInputs) for (const inlet of inputs) this.pull(inlet);
      }
      /** Downstream wants an element: emit the current input's, or pull it. */
      private serve(): void {
        const inlet = inputs[this.current]!;
        if (this.isAvailable(inlet)) this.emitCurrent();
        else this.tryPull(inlet);
      }
      private emitCurrent(): void {
        const inlet = inputs[this.current]!;
        this.push(shape.out, this.grab(inlet));
        if (this.isClosed(inlet)) this.advance();
        else if (detachedInputs) this.pull(inlet);
      }
      /** Moves to the next input that is open or still holds an element; completes after the last. */
      private advance(): void {
        do this.current++;
        while (this.current < inputs.length && this.isClosed(inputs[this.current]!) && !this.isAvailable(inputs[this.current]!));
        if (this.current === inputs.length) this.completeStage();
        else if (this.isAvailable(shape.out)) this.serve();
      }
    })();
    return { logic, mat: undefined };
  }
}
