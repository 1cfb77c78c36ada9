import { Flow } from '../dsl/flow';
import { Keep, type NotUsed } from '../dsl/keep';
import type { Sink } from '../dsl/sink';
import { ContextOps, type FlowWithContextTag } from './context-ops';
import { TrackedFlowWithContext } from './tracked';

/**
 * A reusable step over elements that carry a context (Akka's `FlowWithContext`): takes `[In, CtxIn]` pairs and
 * emits `[Out, CtxOut]` pairs. Internally a `Flow<[In, CtxIn], [Out, CtxOut]>`; its operators keep each element's
 * context and none reorders. Plug it into a `SourceWithContext` with `via`.
 *
 * @example
 * const publish = FlowWithContext.create<Change, Offset>()
 *   .filter(c => c.table === 'orders')
 *   .mapAsync(8, c => bus.send(c));
 * changes.asSourceWithContext(c => c.offset).via(publish).toMat(Committer.sinkWithContext(committable), Keep.right);
 */
export class FlowWithContext<In, CtxIn, Out, CtxOut, Mat = NotUsed> extends ContextOps<
  Out,
  CtxOut,
  Mat,
  FlowWithContextTag<In, CtxIn>
> {
  /** @internal */
  constructor(protected readonly pairs: Flow<[In, CtxIn], [Out, CtxOut], Mat>) {
    super();
  }

  protected wrap<O2, C2, M2>(pairs: unknown): FlowWithContext<In, CtxIn, O2, C2, M2> {
    return new FlowWithContext<In, CtxIn, O2, C2, M2>(pairs as Flow<[In, CtxIn], [O2, C2], M2>);
  }

  /**
   * The identity flow with context, the start of a reusable chain.
   * @example FlowWithContext.create<Row, Offset>().map(toMessage)
   */
  static create<In, Ctx>(): FlowWithContext<In, Ctx, In, Ctx, NotUsed> {
    return new FlowWithContext(Flow.create<[In, Ctx]>());
  }

  /**
   * A flow with context from a flow of pairs. The flow must keep each element with its context (it is trusted,
   * as Akka's `fromTuples` is).
   * @example FlowWithContext.fromTuples(KillSwitches.single<[Row, Offset]>())
   */
  static fromTuples<In, CtxIn, Out, CtxOut, Mat>(
    flow: Flow<[In, CtxIn], [Out, CtxOut], Mat>,
  ): FlowWithContext<In, CtxIn, Out, CtxOut, Mat> {
    if (!(flow instanceof Flow)) {
      throw new TypeError(`FlowWithContext.fromTuples: flow must be a Flow, got ${flow === null ? 'null' : typeof flow}`);
    }
    return new FlowWithContext(flow);
  }

  /** The underlying flow of pairs (leaves the context-preserving API). */
  asFlow(): Flow<[In, CtxIn], [Out, CtxOut], Mat> {
    return this.pairs;
  }

  /** Appends a flow with context, keeping this flow's materialized value. */
  via<O2, C2>(flow: TrackedFlowWithContext<Out, CtxOut, O2, C2, unknown>): TrackedFlowWithContext<In, CtxIn, O2, C2, Mat>;
  via<O2, C2>(flow: FlowWithContext<Out, CtxOut, O2, C2, unknown>): FlowWithContext<In, CtxIn, O2, C2, Mat>;
  via<O2, C2>(
    flow: FlowWithContext<Out, CtxOut, O2, C2, unknown> | TrackedFlowWithContext<Out, CtxOut, O2, C2, unknown>,
  ): FlowWithContext<In, CtxIn, O2, C2, Mat> | TrackedFlowWithContext<In, CtxIn, O2, C2, Mat> {
    return this.viaMat(flow as FlowWithContext<Out, CtxOut, O2, C2, unknown>, Keep.left);
  }

  /** Appends a flow with context, combining materialized values with `combine`. */
  viaMat<O2, C2, M2, M3>(
    flow: TrackedFlowWithContext<Out, CtxOut, O2, C2, M2>,
    combine: (left: Mat, right: M2) => M3,
  ): TrackedFlowWithContext<In, CtxIn, O2, C2, M3>;
  viaMat<O2, C2, M2, M3>(
    flow: FlowWithContext<Out, CtxOut, O2, C2, M2>,
    combine: (left: Mat, right: M2) => M3,
  ): FlowWithContext<In, CtxIn, O2, C2, M3>;
  viaMat<O2, C2, M2, M3>(
    flow: FlowWithContext<Out, CtxOut, O2, C2, M2> | TrackedFlowWithContext<Out, CtxOut, O2, C2, M2>,
    combine: (left: Mat, right: M2) => M3,
  ): FlowWithContext<In, CtxIn, O2, C2, M3> | TrackedFlowWithContext<In, CtxIn, O2, C2, M3> {
    const result = new FlowWithContext<In, CtxIn, O2, C2, M3>(this.pairs.viaMat(flow.asFlow(), combine));
    return flow instanceof TrackedFlowWithContext ? new TrackedFlowWithContext(result) : result;
  }

  /** Connects to a sink of pairs, giving a sink that keeps this flow's materialized value. */
  to(sink: Sink<[Out, CtxOut], unknown>): Sink<[In, CtxIn], Mat> {
    return this.pairs.to(sink);
  }

  /** Connects to a sink of pairs, combining materialized values. */
  toMat<M2, M3>(sink: Sink<[Out, CtxOut], M2>, combine: (left: Mat, right: M2) => M3): Sink<[In, CtxIn], M3> {
    return this.pairs.toMat(sink, combine);
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): FlowWithContext<In, CtxIn, Out, CtxOut, M2> {
    return new FlowWithContext(this.pairs.mapMaterializedValue(f));
  }
}
