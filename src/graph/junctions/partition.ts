import type { StageContext } from '../../core/blueprint';
import { requireFunction, requirePositiveInt } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { UniformFanOutShape } from '../../stage/shape';
import { booleanOption } from './options';

/** Options of `Partition`. */
export interface PartitionOptions {
  /** Cancel upstream as soon as any output cancels (default: only when all outputs cancelled). */
  readonly eagerCancel?: boolean;
}

/** The partitioner returned something that is not an output index (0 … n − 1). */
export class PartitionOutOfBoundsError extends RangeError {
  override readonly name = 'PartitionOutOfBoundsError';
  constructor(
    /** What the partitioner returned. */
    readonly index: unknown,
    /** The number of outputs. */
    readonly outputs: number,
  ) {
    super(`Partition: the partitioner returned ${String(index)}, but the index must be an integer in 0..${outputs - 1} (n = ${outputs})`);
  }
}

/**
 * Sends each element to the output `partitioner(element)` chooses; holds at most one element (waiting for its
 * output's demand). Elements for an output that has cancelled are dropped (unless `eagerCancel`).
 * - Emits when: the chosen output has demand. Backpressures when: the chosen output backpressures.
 * - Completes when: upstream completes (after the waiting element, if any, was emitted).
 * - Fails when: upstream or the partitioner fails, or the partitioner returns an index outside 0..n−1
 *   (`PartitionOutOfBoundsError`, naming the index and n).
 * - Cancels when: all outputs cancelled, or with `eagerCancel` when any output cancelled.
 *
 * @example
 * const byKind = b.add(Partition.create<Change>(2, c => (c.op === 'delete' ? 1 : 0)));
 * b.from(changes).to(byKind.in); b.from(byKind.out(0)).to(upserts); b.from(byKind.out(1)).to(deletes);
 */
export class Partition<T> extends GraphStage<UniformFanOutShape<T, T>> {
  readonly shape: UniformFanOutShape<T, T>;
  override get name(): string {
    return 'partition';
  }

  private constructor(
    n: number,
    private readonly partitioner: (element: T) => number,
    private readonly eagerCancel: boolean,
  ) {
    super();
    this.shape = UniformFanOutShape.create<T, T>('partition', n);
  }

  /** A partition into `n` outputs by `partitioner` (returns the output index). */
  static create<T>(n: number, partitioner: (element: T) => number, options: PartitionOptions = {}): Partition<T> {
    requirePositiveInt('Partition', 'n', n);
    requireFunction('Partition', 'partitioner', partitioner);
    return new Partition<T>(n, partitioner, booleanOption('Partition', options, 'eagerCancel'));
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    const { shape, partitioner, eagerCancel } = this;
    const outs = shape.outlets;
    const logic = new (class extends GraphStageLogic {
      private pending: { readonly index: number; readonly value: T } | undefined;
      constructor() {
        super(ctx, shape.inlets, shape.outlets);
        this.setHandler(shape.in, {
          onPush: () => {
            const value = this.grab(shape.in);
            const index = partitioner(value);
            if (!Number.isInteger(index) || index < 0 || index >= outs.length) throw new PartitionOutOfBoundsError(index, outs.length);
            const out = outs[index]!;
            if (this.isAvailable(out)) this.push(out, value);
            else if (!this.isClosed(out)) {
              this.pending = { index, value };
              return;
            }
            this.pullIfDemanded();
          },
          onUpstreamFinish: () => {
            if (!this.pending) this.completeStage();
          },
        });
        outs.forEach((out, i) => {
          this.setHandler(out, {
            onPull: () => {
              if (this.pending?.index === i) this.emitPending();
              else if (!this.pending) this.tryPull(shape.in);
            },
            onDownstreamFinish: (cause) => {
              if (eagerCancel || outs.every((o) => this.isClosed(o))) this.cancelStage(cause);
              else if (this.pending?.index === i) {
                this.pending = undefined; // its output is gone: dropped
                this.afterPending();
              }
            },
          });
        });
      }
      private emitPending(): void {
        const { index, value } = this.pending!;
        this.pending = undefined;
        this.push(outs[index]!, value);
        this.afterPending();
      }
      private afterPending(): void {
        if (this.isClosed(shape.in)) this.completeStage();
        else this.pullIfDemanded();
      }
      /** Pulls when some output waits for an element. */
      private pullIfDemanded(): void {
        if (outs.some((o) => this.isAvailable(o))) this.tryPull(shape.in);
      }
    })();
    return { logic, mat: undefined };
  }
}
