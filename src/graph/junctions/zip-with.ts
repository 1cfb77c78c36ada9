import type { StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { FanInShape2 } from '../../stage/shape';

/**
 * Keeps both inputs pulled (one element each at most); when both have an element and the output has demand, emits
 * `f(a, b)` and pulls both again. An input that completes with no element waiting completes the stage at once;
 * one that completes with an element waiting does so right after that element has been combined.
 */
function zipLogic<A, B, O>(ctx: StageContext, shape: FanInShape2<A, B, O>, f: (a: A, b: B) => O): GraphStageLogic {
  const { in0, in1, out } = shape;
  return new (class extends GraphStageLogic {
    private finishing = false;
    constructor() {
      super(ctx, shape.inlets, shape.outlets);
      for (const inlet of [in0, in1]) {
        this.setHandler(inlet, {
          onPush: () => this.tryEmit(),
          onUpstreamFinish: () => {
            if (this.isAvailable(inlet)) this.finishing = true;
            else this.completeStage();
          },
        });
      }
      this.setHandler(out, { onPull: () => this.tryEmit() });
    }
    override preStart(): void {
      this.pull(in0);
      this.pull(in1);
    }
    private tryEmit(): void {
      if (!this.isAvailable(in0) || !this.isAvailable(in1) || !this.isAvailable(out)) return;
      this.push(out, f(this.grab(in0), this.grab(in1)));
      if (this.finishing) {
        this.completeStage();
        return;
      }
      this.pull(in0);
      this.pull(in1);
    }
  })();
}

/**
 * Combines the elements of two inputs pairwise with `f`: the n-th output is `f(n-th of in0, n-th of in1)`.
 * Holds at most one element per input.
 * - Emits when: both inputs have an element and the output has demand.
 * - Backpressures when: downstream backpressures.
 * - Completes when: any input completed (after its last element was combined). Fails when: an input or `f` fails.
 * - Cancels when: downstream cancels.
 *
 * @example
 * const zip = b.add(ZipWith.create((price: number, qty: number) => price * qty));
 * b.from(prices).to(zip.in0); b.from(quantities).to(zip.in1); b.from(zip.out).to(sink);
 */
export class ZipWith<A, B, O> extends GraphStage<FanInShape2<A, B, O>> {
  readonly shape = FanInShape2.create<A, B, O>('zipWith');
  override get name(): string {
    return 'zipWith';
  }
  private constructor(private readonly f: (a: A, b: B) => O) {
    super();
  }
  /** A zip combining with `f`. */
  static create<A, B, O>(f: (a: A, b: B) => O): ZipWith<A, B, O> {
    requireFunction('ZipWith', 'f', f);
    return new ZipWith(f);
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: zipLogic(ctx, this.shape, this.f), mat: undefined };
  }
}

/** `[a, b]`: the combining function of `Zip` and `ZipLatest`. */
export const pair = <A, B>(a: A, b: B): [A, B] => [a, b];

/**
 * Pairs the elements of two inputs: the n-th output is `[n-th of in0, n-th of in1]` (`ZipWith` with a pair).
 * - Emits when: both inputs have an element and the output has demand.
 * - Backpressures when: downstream backpressures.
 * - Completes when: any input completed (after its last element was paired). Fails when: any input fails.
 * - Cancels when: downstream cancels.
 *
 * @example
 * const zip = b.add(Zip.create<Order, Customer>());
 * b.from(orders).to(zip.in0); b.from(customers).to(zip.in1); b.from(zip.out).to(sink); // [order, customer]
 */
export class Zip<A, B> extends GraphStage<FanInShape2<A, B, [A, B]>> {
  readonly shape = FanInShape2.create<A, B, [A, B]>('zip');
  override get name(): string {
    return 'zip';
  }
  private constructor() {
    super();
  }
  /** A zip into `[a, b]` pairs. */
  static create<A, B>(): Zip<A, B> {
    return new Zip<A, B>();
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: zipLogic(ctx, this.shape, pair<A, B>), mat: undefined };
  }
}
