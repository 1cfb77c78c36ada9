import type { Materializer, MaterializerSettings } from '../core/materializer';
import { Keep, type NotUsed } from '../dsl/keep';
import type { RunnableGraph } from '../dsl/runnable-graph';
import type { Sink } from '../dsl/sink';
import type { Source } from '../dsl/source';
import { ContextOps, type SourceWithContextTag } from './context-ops';
import type { FlowWithContext } from './flow-with-context';
import { TrackedFlowWithContext, TrackedSourceWithContext } from './tracked';

/**
 * A source whose elements each carry a context — typically the offset they were read at — as Akka's
 * `SourceWithContext`. Internally a `Source<[Out, Ctx]>`; operators transform the element and keep its context,
 * and none reorders, so the contexts reach the end (e.g. `Committer.sinkWithContext`) in source order.
 * Create one with `source.asSourceWithContext(e => e.offset)` or `SourceWithContext.fromTuples(pairs)`.
 *
 * @example
 * const done = changes
 *   .asSourceWithContext(c => c.offset)
 *   .filter(c => c.table === 'orders')
 *   .mapAsync(8, c => publish(c))
 *   .toMat(Committer.sinkWithContext(committable), Keep.right)
 *   .run();
 */
export class SourceWithContext<Out, Ctx, Mat = NotUsed> extends ContextOps<Out, Ctx, Mat, SourceWithContextTag> {
  /** @internal */
  constructor(protected readonly pairs: Source<[Out, Ctx], Mat>) {
    super();
  }

  protected wrap<O2, C2, M2>(pairs: unknown): SourceWithContext<O2, C2, M2> {
    return new SourceWithContext<O2, C2, M2>(pairs as Source<[O2, C2], M2>);
  }

  /**
   * A source with context from a source of `[element, context]` pairs.
   * @example SourceWithContext.fromTuples(Source.from([['a', 1], ['b', 2]] as [string, number][]))
   */
  static fromTuples<Out, Ctx, Mat>(source: Source<[Out, Ctx], Mat>): SourceWithContext<Out, Ctx, Mat> {
    if (typeof source !== 'object' || source === null || typeof (source as { via?: unknown }).via !== 'function') {
      throw new TypeError(`SourceWithContext.fromTuples: source must be a Source, got ${source === null ? 'null' : typeof source}`);
    }
    return new SourceWithContext(source);
  }

  /** The underlying source of `[element, context]` pairs (leaves the context-preserving API). */
  asSource(): Source<[Out, Ctx], Mat> {
    return this.pairs;
  }

  /** Appends a flow with context, keeping this source's materialized value. */
  via<O2, C2>(flow: TrackedFlowWithContext<Out, Ctx, O2, C2, unknown>): TrackedSourceWithContext<O2, C2, Mat>;
  via<O2, C2>(flow: FlowWithContext<Out, Ctx, O2, C2, unknown>): SourceWithContext<O2, C2, Mat>;
  via<O2, C2>(
    flow: FlowWithContext<Out, Ctx, O2, C2, unknown> | TrackedFlowWithContext<Out, Ctx, O2, C2, unknown>,
  ): SourceWithContext<O2, C2, Mat> | TrackedSourceWithContext<O2, C2, Mat> {
    return this.viaMat(flow as FlowWithContext<Out, Ctx, O2, C2, unknown>, Keep.left);
  }

  /** Appends a flow with context, combining materialized values with `combine` (see `Keep`). */
  viaMat<O2, C2, M2, M3>(
    flow: TrackedFlowWithContext<Out, Ctx, O2, C2, M2>,
    combine: (left: Mat, right: M2) => M3,
  ): TrackedSourceWithContext<O2, C2, M3>;
  viaMat<O2, C2, M2, M3>(
    flow: FlowWithContext<Out, Ctx, O2, C2, M2>,
    combine: (left: Mat, right: M2) => M3,
  ): SourceWithContext<O2, C2, M3>;
  viaMat<O2, C2, M2, M3>(
    flow: FlowWithContext<Out, Ctx, O2, C2, M2> | TrackedFlowWithContext<Out, Ctx, O2, C2, M2>,
    combine: (left: Mat, right: M2) => M3,
  ): SourceWithContext<O2, C2, M3> | TrackedSourceWithContext<O2, C2, M3> {
    const result = new SourceWithContext<O2, C2, M3>(this.pairs.viaMat(flow.asFlow(), combine));
    return flow instanceof TrackedFlowWithContext ? new TrackedSourceWithContext(result) : result;
  }

  /** Connects to a sink of `[element, context]` pairs, keeping this source's materialized value. */
  to(sink: Sink<[Out, Ctx], unknown>): RunnableGraph<Mat> {
    return this.pairs.to(sink);
  }

  /**
   * Connects to a sink of `[element, context]` pairs, combining materialized values.
   * @example source.viaMat(KillSwitches.single(), Keep.right).asSourceWithContext(r => r.offset)
   *   .toMat(Committer.sinkWithContext(committable), DrainingControl.create)
   */
  toMat<M2, M3>(sink: Sink<[Out, Ctx], M2>, combine: (left: Mat, right: M2) => M3): RunnableGraph<M3> {
    return this.pairs.toMat(sink, combine);
  }

  /** Runs into `sink` and returns the sink's materialized value. */
  runWith<M2>(sink: Sink<[Out, Ctx], M2>, materializer?: Materializer | MaterializerSettings): M2 {
    return this.pairs.runWith(sink, materializer);
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): SourceWithContext<Out, Ctx, M2> {
    return new SourceWithContext(this.pairs.mapMaterializedValue(f));
  }
}
