import type { StageContext } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { UniformFanOutShape } from '../../stage/shape';

/** Options of `Broadcast`. */
export interface BroadcastOptions {
  /** Cancel upstream as soon as any output cancels (default: only when all outputs cancelled). */
  readonly eagerCancel?: boolean;
}

/**
 * Emits each element to all `n` outputs; the slowest output sets the pace (no buffering beyond one element).
 * - Emits when: all open outputs have demand. Backpressures when: any open output backpressures.
 * - Completes when: upstream completes. Cancels when: all outputs cancelled (or any, with `eagerCancel`).
 *
 * @example
 * const bcast = b.add(Broadcast.create<Change>(2));
 * b.from(changes).to(bcast.in); b.from(bcast.out(0)).to(queue); b.from(bcast.out(1)).to(audit);
 */
export class Broadcast<T> extends GraphStage<UniformFanOutShape<T, T>> {
  readonly shape: UniformFanOutShape<T, T>;
  override get name(): string {
    return 'broadcast';
  }

  private constructor(
    n: number,
    private readonly options: BroadcastOptions,
  ) {
    super();
    this.shape = UniformFanOutShape.create<T, T>('broadcast', n);
  }

  /** A broadcast to `n` outputs. */
  static create<T>(n: number, options: BroadcastOptions = {}): Broadcast<T> {
    requirePositiveInt('Broadcast', 'n', n);
    return new Broadcast<T>(n, options);
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    const { shape, options } = this;
    const logic = new (class extends GraphStageLogic {
      private pending: { readonly value: T } | undefined;
      constructor() {
        super(ctx, shape.inlets, shape.outlets);
        this.setHandler(shape.in, {
          onPush: () => {
            this.pending = { value: this.grab(shape.in) };
            this.tryEmit();
          },
        });
        for (const out of shape.outlets) {
          this.setHandler(out, {
            onPull: () => this.tryEmit(),
            onDownstreamFinish: (cause) => {
              if (options.eagerCancel || shape.outlets.every((o) => this.isClosed(o))) this.cancelStage(cause);
              else this.tryEmit();
            },
          });
        }
      }
      override preStart(): void {
        this.pull(shape.in);
      }
      private tryEmit(): void {
        const open = shape.outlets.filter((o) => !this.isClosed(o));
        if (!this.pending || !open.every((o) => this.isAvailable(o))) return;
        const { value } = this.pending;
        this.pending = undefined;
        for (const o of open) this.push(o, value);
        this.tryPull(shape.in);
      }
    })();
    return { logic, mat: undefined };
  }
}
