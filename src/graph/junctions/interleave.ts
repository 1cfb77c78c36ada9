import type { StageContext } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { UniformFanInShape } from '../../stage/shape';
import { booleanOption } from './options';

/** Options of `Interleave`. */
export interface InterleaveOptions {
  /** Complete as soon as any input completes (default: when all inputs completed). */
  readonly eagerClose?: boolean;
}

/**
 * Takes `segmentSize` elements from input 0, then `segmentSize` from input 1, … and wraps around (a
 * deterministic merge). An input that completes leaves the rotation (mid-segment: the next input takes over).
 * Only the current input is pulled, on demand, so nothing is held.
 * - Emits when: the current input has an element and the output has demand.
 * - Backpressures when: downstream backpressures (the other inputs wait for their turn).
 * - Completes when: all inputs completed, or with `eagerClose` when any input completed. Fails when: any input fails.
 * - Cancels when: downstream cancels.
 *
 * @example
 * const mix = b.add(Interleave.create<Msg>(2, 10)); // 10 from each queue in turn
 * b.from(queueA).to(mix.in(0)); b.from(queueB).to(mix.in(1)); b.from(mix.out).to(sink);
 */
export class Interleave<T> extends GraphStage<UniformFanInShape<T, T>> {
  readonly shape: UniformFanInShape<T, T>;
  override get name(): string {
    return 'interleave';
  }

  private constructor(
    n: number,
    private readonly segmentSize: number,
    private readonly eagerClose: boolean,
  ) {
    super();
    this.shape = UniformFanInShape.create<T, T>('interleave', n);
  }

  /** An interleave of `n` inputs taking `segmentSize` (≥ 1) elements from each in turn. */
  static create<T>(n: number, segmentSize: number, options: InterleaveOptions = {}): Interleave<T> {
    requirePositiveInt('Interleave', 'n', n);
    requirePositiveInt('Interleave', 'segmentSize', segmentSize);
    return new Interleave<T>(n, segmentSize, booleanOption('Interleave', options, 'eagerClose'));
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    const { shape, segmentSize, eagerClose } = this;
    const inputs = shape.inlets;
    const logic = new (class extends GraphStageLogic {
      private current = 0;
      private taken = 0;
      private open = inputs.length;
      constructor() {
        super(ctx, shape.inlets, shape.outlets);
        inputs.forEach((inlet, i) => {
          this.setHandler(inlet, {
            onPush: () => {
              this.push(shape.out, this.grab(inlet));
              if (++this.taken === segmentSize) this.next();
            },
            onUpstreamFinish: () => {
              this.open--;
              if (eagerClose || this.open === 0) this.completeStage();
              else if (i === this.current) {
                this.next();
                if (this.isAvailable(shape.out)) this.pull(inputs[this.current]!);
              }
            },
          });
        });
        this.setHandler(shape.out, { onPull: () => this.tryPull(inputs[this.current]!) });
      }
      /** The next open input after the current one (the current one again if it is the only one left). */
      private next(): void {
        this.taken = 0;
        do this.current = (this.current + 1) % inputs.length;
        while (this.isClosed(inputs[this.current]!));
      }
    })();
    return { logic, mat: undefined };
  }
}
