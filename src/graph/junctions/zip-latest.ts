import type { StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { FanInShape2 } from '../../stage/shape';
import { pair } from './zip-with';

type Latest<T> = { value: T } | undefined;

/**
 * Keeps the latest element of each input. Inputs are pulled at start, and again on each downstream pull and after
 * each emission, so while downstream waits each input holds at most one newer element (which replaces the older).
 * Emits `f(latest0, latest1)` when downstream wants one, both inputs have had an element and at least one of them
 * is new since the last emission.
 */
function zipLatestLogic<A, B, O>(ctx: StageContext, shape: FanInShape2<A, B, O>, f: (a: A, b: B) => O): GraphStageLogic {
  const { in0, in1, out } = shape;
  return new (class extends GraphStageLogic {
    private a: Latest<A>;
    private b: Latest<B>;
    private fresh = false;
    private finishing = false;
    constructor() {
      super(ctx, shape.inlets, shape.outlets);
      this.setHandler(in0, {
        onPush: () => {
          this.a = { value: this.grab(in0) };
          this.onNew();
        },
        onUpstreamFinish: () => this.finish(this.a !== undefined),
      });
      this.setHandler(in1, {
        onPush: () => {
          this.b = { value: this.grab(in1) };
          this.onNew();
        },
        onUpstreamFinish: () => this.finish(this.b !== undefined),
      });
      this.setHandler(out, {
        onPull: () => {
          this.tryEmit();
          this.pullBoth();
        },
      });
    }
    override preStart(): void {
      this.pullBoth();
    }
    private onNew(): void {
      this.fresh = true;
      this.tryEmit();
    }
    /**
     * An input completed: if it never had an element nothing can be emitted any more; otherwise the combination
     * still due (a new element waiting, or the other input's first one) is emitted before completing.
     */
    private finish(hadElement: boolean): void {
      if (hadElement && (this.fresh || !this.a || !this.b)) this.finishing = true;
      else this.completeStage();
    }
    private tryEmit(): void {
      if (!this.fresh || !this.a || !this.b || !this.isAvailable(out)) return;
      this.fresh = false;
      this.push(out, f(this.a.value, this.b.value));
      if (this.finishing) this.completeStage();
      else this.pullBoth();
    }
    private pullBoth(): void {
      this.tryPull(in0);
      this.tryPull(in1);
    }
  })();
}

/**
 * Combines the latest elements of two inputs with `f`: nothing until both inputs have had an element, then one
 * output whenever downstream wants one and either input has a new element (an input's newer element replaces
 * the older one while downstream waits). Holds at most one element per input.
 * - Emits when: both inputs have had an element, one of them has a new one, and the output has demand.
 * - Backpressures when: downstream backpressures.
 * - Completes when: any input completed — at once if it never had an element or nothing is due, else right after
 *   the combination still due (with a new element waiting, or with the other input's first element).
 * - Fails when: an input or `f` fails. Cancels when: downstream cancels.
 *
 * @example
 * const zip = b.add(ZipLatestWith.create((rate: number, amount: number) => rate * amount));
 * b.from(rates).to(zip.in0); b.from(amounts).to(zip.in1); b.from(zip.out).to(sink);
 */
export class ZipLatestWith<A, B, O> extends GraphStage<FanInShape2<A, B, O>> {
  readonly shape = FanInShape2.create<A, B, O>('zipLatestWith');
  override get name(): string {
    return 'zipLatestWith';
  }
  private constructor(private readonly f: (a: A, b: B) => O) {
    super();
  }
  /** A latest-values zip combining with `f`. */
  static create<A, B, O>(f: (a: A, b: B) => O): ZipLatestWith<A, B, O> {
    requireFunction('ZipLatestWith', 'f', f);
    return new ZipLatestWith(f);
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: zipLatestLogic(ctx, this.shape, this.f), mat: undefined };
  }
}

/**
 * Pairs the latest elements of two inputs (`ZipLatestWith` with a pair): nothing until both inputs have had an
 * element, then `[latest0, latest1]` whenever downstream wants one and either input has a new element.
 * - Emits when: both inputs have had an element, one of them has a new one, and the output has demand.
 * - Backpressures when: downstream backpressures.
 * - Completes when: any input completed — at once if it never had an element or nothing is due, else right after
 *   the pair still due (with a new element waiting, or with the other input's first element).
 * - Fails when: any input fails. Cancels when: downstream cancels.
 *
 * @example
 * const zip = b.add(ZipLatest.create<Config, Reading>());
 * b.from(configs).to(zip.in0); b.from(readings).to(zip.in1); b.from(zip.out).to(sink); // [config, reading]
 */
export class ZipLatest<A, B> extends GraphStage<FanInShape2<A, B, [A, B]>> {
  readonly shape = FanInShape2.create<A, B, [A, B]>('zipLatest');
  override get name(): string {
    return 'zipLatest';
  }
  private constructor() {
    super();
  }
  /** A latest-values zip into `[a, b]` pairs. */
  static create<A, B>(): ZipLatest<A, B> {
    return new ZipLatest<A, B>();
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: zipLatestLogic(ctx, this.shape, pair<A, B>), mat: undefined };
  }
}
