import type { StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { FanOutShape2 } from '../../stage/shape';

/**
 * Splits each element with `f` into `[a, b]` and emits `a` on `out0` and `b` on `out1` together, once both open
 * outputs have demand; holds at most one element (one split pair). An output that cancels is left out; the stage
 * cancels upstream when both have.
 */
function unzipLogic<I, A, B>(ctx: StageContext, shape: FanOutShape2<I, A, B>, f: (element: I) => readonly [A, B]): GraphStageLogic {
  const { in: inlet, out0, out1 } = shape;
  return new (class extends GraphStageLogic {
    private pending: readonly [A, B] | undefined;
    constructor() {
      super(ctx, shape.inlets, shape.outlets);
      this.setHandler(inlet, {
        onPush: () => {
          const parts = f(this.grab(inlet));
          if (!Array.isArray(parts)) throw new TypeError(`${ctx.name}: expected a pair [a, b], got ${describe(parts)}`);
          this.pending = parts;
          this.tryEmit();
        },
        onUpstreamFinish: () => {
          if (!this.pending) this.completeStage();
        },
      });
      for (const out of [out0, out1]) {
        this.setHandler(out, {
          onPull: () => this.tryEmit(),
          onDownstreamFinish: (cause) => {
            if (this.isClosed(out0) && this.isClosed(out1)) this.cancelStage(cause);
            else this.tryEmit();
          },
        });
      }
    }
    override preStart(): void {
      this.pull(inlet);
    }
    private ready(out: typeof out0 | typeof out1): boolean {
      return this.isClosed(out) || this.isAvailable(out);
    }
    private tryEmit(): void {
      const pending = this.pending;
      if (!pending || !this.ready(out0) || !this.ready(out1)) return;
      this.pending = undefined;
      if (!this.isClosed(out0)) this.push(out0, pending[0]);
      if (!this.isClosed(out1)) this.push(out1, pending[1]);
      if (this.isClosed(inlet)) this.completeStage();
      else this.pull(inlet);
    }
  })();
}

/**
 * Splits each element with `f` into a pair and sends the parts to two outputs of different types.
 * - Emits when: there is an element and both (open) outputs have demand. Backpressures when: any open output
 *   backpressures. Completes when: upstream completes (after the last pair was emitted).
 * - Fails when: upstream or `f` fails. Cancels when: both outputs cancelled (one cancelling leaves the other
 *   running, as Akka's implementation does; its documentation says "any").
 *
 * @example
 * const split = b.add(UnzipWith.create((o: Order): [string, number] => [o.id, o.total]));
 * b.from(orders).to(split.in); b.from(split.out0).to(idSink); b.from(split.out1).to(totalSink);
 */
export class UnzipWith<I, A, B> extends GraphStage<FanOutShape2<I, A, B>> {
  readonly shape = FanOutShape2.create<I, A, B>('unzipWith');
  override get name(): string {
    return 'unzipWith';
  }
  private constructor(private readonly f: (element: I) => readonly [A, B]) {
    super();
  }
  /** An unzip splitting each element with `f`. */
  static create<I, A, B>(f: (element: I) => readonly [A, B]): UnzipWith<I, A, B> {
    requireFunction('UnzipWith', 'f', f);
    return new UnzipWith(f);
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: unzipLogic(ctx, this.shape, this.f), mat: undefined };
  }
}

const identity = <T>(x: T): T => x;

function describe(x: unknown): string {
  return x === null ? 'null' : typeof x === 'object' ? (x.constructor?.name ?? 'object') : typeof x;
}

/**
 * Sends the first part of each `[a, b]` pair to `out0` and the second to `out1` (`UnzipWith` with no function).
 * - Emits when: there is an element and both (open) outputs have demand. Backpressures when: any open output
 *   backpressures. Completes when: upstream completes (after the last pair was emitted).
 * - Fails when: upstream fails. Cancels when: both outputs cancelled.
 *
 * @example
 * const unzip = b.add(Unzip.create<string, number>());
 * b.from(Source.from([['a', 1], ['b', 2]] as [string, number][])).to(unzip.in);
 * b.from(unzip.out0).to(keys); b.from(unzip.out1).to(values);
 */
export class Unzip<A, B> extends GraphStage<FanOutShape2<readonly [A, B], A, B>> {
  readonly shape = FanOutShape2.create<readonly [A, B], A, B>('unzip');
  override get name(): string {
    return 'unzip';
  }
  private constructor() {
    super();
  }
  /** An unzip of `[a, b]` pairs. */
  static create<A, B>(): Unzip<A, B> {
    return new Unzip<A, B>();
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: unzipLogic(ctx, this.shape, identity<readonly [A, B]>), mat: undefined };
  }
}
