import type { StageContext } from '../../core/blueprint';
import { RingBuffer } from '../../core/ring-buffer';
import { requirePositiveInt } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { UniformFanOutShape } from '../../stage/shape';
import { booleanOption } from './options';

/** Options of `Balance`. */
export interface BalanceOptions {
  /** Emit nothing until every output has pulled at least once (or cancelled). Default false. */
  readonly waitForAllDownstreams?: boolean;
  /** Cancel upstream as soon as any output cancels (default: only when all outputs cancelled). */
  readonly eagerCancel?: boolean;
}

/**
 * Sends each element to one output: whichever asked first among those with demand (a worker pool). Upstream is
 * pulled only while some output waits, so it holds at most one element.
 * - Emits when: any output has demand (to the one that has waited longest).
 * - Backpressures when: all outputs backpressure (or, with `waitForAllDownstreams`, until each has pulled once).
 * - Completes when: upstream completes (after the element it holds, if any, was emitted). Fails when: upstream fails.
 * - Cancels when: all outputs cancelled, or with `eagerCancel` when any output cancelled.
 *
 * @example
 * const pool = b.add(Balance.create<Job>(3));
 * b.from(jobs).to(pool.in);
 * for (let i = 0; i < 3; i++) b.from(pool.out(i)).via(worker).to(merge.in(i));
 */
export class Balance<T> extends GraphStage<UniformFanOutShape<T, T>> {
  readonly shape: UniformFanOutShape<T, T>;
  override get name(): string {
    return 'balance';
  }

  private constructor(
    n: number,
    private readonly waitForAllDownstreams: boolean,
    private readonly eagerCancel: boolean,
  ) {
    super();
    this.shape = UniformFanOutShape.create<T, T>('balance', n);
  }

  /** A balance over `n` outputs. */
  static create<T>(n: number, options: BalanceOptions = {}): Balance<T> {
    requirePositiveInt('Balance', 'n', n);
    const wait = booleanOption('Balance', options, 'waitForAllDownstreams');
    return new Balance<T>(n, wait, booleanOption('Balance', options, 'eagerCancel'));
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    const { shape, eagerCancel } = this;
    const outs = shape.outlets;
    const logic = new (class extends GraphStageLogic {
      /** Outputs that pulled and wait for an element, oldest first (each at most once; may since have cancelled). */
      private readonly waiting = new RingBuffer<number>(outs.length);
      private readonly pulledOnce = outs.map(() => false);
      private notYetPulled: number;
      constructor(waitForAll: boolean) {
        super(ctx, shape.inlets, shape.outlets);
        this.notYetPulled = waitForAll ? outs.length : 0;
        this.setHandler(shape.in, {
          onPush: () => this.dispatch(),
          onUpstreamFinish: () => {
            if (!this.isAvailable(shape.in)) this.completeStage();
          },
        });
        outs.forEach((out, i) => {
          this.setHandler(out, {
            onPull: () => {
              this.waiting.push(i);
              this.counted(i);
              this.dispatch();
            },
            onDownstreamFinish: (cause) => {
              if (eagerCancel || outs.every((o) => this.isClosed(o))) this.cancelStage(cause);
              else {
                this.counted(i);
                this.dispatch();
              }
            },
          });
        });
      }
      /** Counts output `i` towards `waitForAllDownstreams` (once). */
      private counted(i: number): void {
        if (this.pulledOnce[i]) return;
        this.pulledOnce[i] = true;
        if (this.notYetPulled > 0) this.notYetPulled--;
      }
      /** Hands the held element to the longest-waiting open output; pulls while outputs wait. */
      private dispatch(): void {
        if (this.notYetPulled > 0) return;
        if (this.isAvailable(shape.in)) {
          while (!this.waiting.isEmpty) {
            const out = outs[this.waiting.shift()]!;
            if (this.isClosed(out)) continue;
            this.push(out, this.grab(shape.in));
            break;
          }
          if (this.isAvailable(shape.in)) return;
          if (this.isClosed(shape.in)) {
            this.completeStage();
            return;
          }
        }
        if (!this.waiting.isEmpty) this.tryPull(shape.in);
      }
    })(this.waitForAllDownstreams);
    return { logic, mat: undefined };
  }
}
