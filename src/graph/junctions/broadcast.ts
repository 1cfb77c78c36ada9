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
 * - Completes when: upstream completes (after the element it holds was emitted). Fails when: upstream fails.
 * - Cancels when: all outputs cancelled (or any, with `eagerCancel`).
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
      constructor() {
        super(ctx, shape.inlets, shape.outlets);
        // The element waiting for all outputs stays in the inlet until it is grabbed and pushed.
        this.setHandler(shape.in, {
          onPush: () => this.tryEmit(),
          onUpstreamFinish: () => {
            if (!this.isAvailable(shape.in)) this.completeStage(); // else after the held element was emitted
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
        if (!this.isAvailable(shape.in)) return;
        for (const o of shape.outlets) if (!this.isAvailable(o) && !this.isClosed(o)) return;
        const value = this.grab(shape.in);
        for (const o of shape.outlets) if (this.isAvailable(o)) this.push(o, value);
        if (this.isClosed(shape.in)) this.completeStage();
        else this.pull(shape.in);
      }
    })();
    return { logic, mat: undefined };
  }
}
