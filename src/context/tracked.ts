import type { ObservableInput } from 'rxjs';
import type { Attributes, AttributeValues } from '../core/attributes';
import type { Materializer, MaterializerSettings } from '../core/materializer';
import { Supervision } from '../core/supervision';
import type { Flow } from '../dsl/flow';
import { Keep, type NotUsed } from '../dsl/keep';
import type { SupervisionOptions } from '../dsl/flow-ops';
import type { RunnableGraph } from '../dsl/runnable-graph';
import type { Sink } from '../dsl/sink';
import type { Source } from '../dsl/source';
import type { ContextOps, FlowWithContextTag, SourceWithContextTag } from './context-ops';
import type { FlowWithContext } from './flow-with-context';
import type { SourceWithContext } from './source-with-context';

/** The type a tracked operator returns: tracked sources stay tracked sources, tracked flows keep their input. */
export type TrackedRepr<Tag, Out, Ctx, Mat> =
  Tag extends FlowWithContextTag<infer In, infer CtxIn>
    ? TrackedFlowWithContext<In, CtxIn, Out, Ctx, Mat>
    : Tag extends SourceWithContextTag
      ? TrackedSourceWithContext<Out, Ctx, Mat>
      : never;

/** A throwing user function fails the stream: dropping an element here would drop a tracked context. */
const STOP: SupervisionOptions = { supervision: Supervision.stoppingDecider };

/**
 * The operators allowed between `Committer.track(…).flow()` and the committer: each one hands on every context it
 * receives, exactly once (`map`, `mapAsync`, `grouped`). Operators that can drop a context (`filter`, `collect`,
 * `mapConcat` with an empty result, supervision that resumes) are not offered, because a dropped context would
 * leave a permanent gap that the committer can never commit past. `map` and `mapAsync` take no supervision
 * option and ignore inherited deciders: a throwing function fails the stream.
 */
abstract class TrackedOps<Out, Ctx, Mat, Tag> {
  /** @internal The unrestricted stream this one wraps. */
  protected abstract readonly untracked: ContextOps<Out, Ctx, Mat, Tag>;
  /** @internal Wraps an unrestricted result of a context-preserving operator. */
  protected abstract track<O2, C2, M2>(untracked: unknown): TrackedRepr<Tag, O2, C2, M2>;

  /**
   * Transforms each element; the context stays. A throwing `f` fails the stream (no supervision here).
   * @example tracker.flow<Row>().map(toMessage)
   */
  map<T>(f: (element: Out) => T): TrackedRepr<Tag, T, Ctx, Mat> {
    return this.track(this.untracked.map(f, STOP));
  }

  /**
   * Calls `f` for up to `parallelism` elements at once and emits the results in input order with their contexts
   * (like `SourceWithContext.mapAsync`); a failing call fails the stream.
   * @example tracker.flow<Row>().mapAsync(4, enrich)
   */
  mapAsync<T>(parallelism: number, f: (element: Out) => ObservableInput<T>): TrackedRepr<Tag, T, Ctx, Mat> {
    return this.track(this.untracked.mapAsync(parallelism, f, STOP));
  }

  /**
   * Collects elements into arrays of `size` with their contexts in a parallel array (`[elements, contexts]`).
   * @example tracker.flow<Row>().grouped(100) // then acknowledge every context of the batch
   */
  grouped(size: number): TrackedRepr<Tag, Out[], Ctx[], Mat> {
    return this.track(this.untracked.grouped(size));
  }

  /** Attaches attributes to this blueprint. @example tracked.withAttributes(Attributes.name('enrich')) */
  withAttributes(attributes: Attributes | AttributeValues): TrackedRepr<Tag, Out, Ctx, Mat> {
    return this.track(this.untracked.withAttributes(attributes));
  }

  /** Names this blueprint for graph paths. @example tracked.named('enrich') */
  named(name: string): TrackedRepr<Tag, Out, Ctx, Mat> {
    return this.track(this.untracked.named(name));
  }
}

/**
 * A `SourceWithContext` downstream of a commit tracker (`source.asSourceWithContext(…).via(tracker.flow())`): only
 * operators that hand on every context are available (see `Committer.track`). Leave it with `asSource()`, `to` or
 * `toMat` towards the stage that acknowledges each context (in any order) to `Committer.sink(…, { tracker })`.
 */
export class TrackedSourceWithContext<Out, Ctx, Mat = NotUsed> extends TrackedOps<Out, Ctx, Mat, SourceWithContextTag> {
  /** @internal */
  constructor(protected readonly untracked: SourceWithContext<Out, Ctx, Mat>) {
    super();
  }

  protected track<O2, C2, M2>(untracked: unknown): TrackedSourceWithContext<O2, C2, M2> {
    return new TrackedSourceWithContext(untracked as SourceWithContext<O2, C2, M2>);
  }

  /** Appends a tracked flow, keeping this source's materialized value. */
  via<O2, C2>(flow: TrackedFlowWithContext<Out, Ctx, O2, C2, unknown>): TrackedSourceWithContext<O2, C2, Mat> {
    return this.viaMat(flow, Keep.left);
  }

  /** Appends a tracked flow, combining materialized values. */
  viaMat<O2, C2, M2, M3>(
    flow: TrackedFlowWithContext<Out, Ctx, O2, C2, M2>,
    combine: (left: Mat, right: M2) => M3,
  ): TrackedSourceWithContext<O2, C2, M3> {
    return this.untracked.viaMat(flow, combine);
  }

  /** The underlying source of `[element, context]` pairs: from here on, every context must still be acknowledged. */
  asSource(): Source<[Out, Ctx], Mat> {
    return this.untracked.asSource();
  }

  /** Connects to a sink of pairs that acknowledges every context, keeping this source's materialized value. */
  to(sink: Sink<[Out, Ctx], unknown>): RunnableGraph<Mat> {
    return this.untracked.to(sink);
  }

  /** Connects to a sink of pairs that acknowledges every context, combining materialized values. */
  toMat<M2, M3>(sink: Sink<[Out, Ctx], M2>, combine: (left: Mat, right: M2) => M3): RunnableGraph<M3> {
    return this.untracked.toMat(sink, combine);
  }

  /** Runs into `sink` and returns the sink's materialized value. */
  runWith<M2>(sink: Sink<[Out, Ctx], M2>, materializer?: Materializer | MaterializerSettings): M2 {
    return this.untracked.runWith(sink, materializer);
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): TrackedSourceWithContext<Out, Ctx, M2> {
    return new TrackedSourceWithContext(this.untracked.mapMaterializedValue(f));
  }
}

/**
 * A `FlowWithContext` that contains a commit tracker's flow (`tracker.flow()`) or follows one: only operators
 * that hand on every context are available (see `Committer.track`).
 */
export class TrackedFlowWithContext<In, CtxIn, Out, CtxOut, Mat = NotUsed> extends TrackedOps<
  Out,
  CtxOut,
  Mat,
  FlowWithContextTag<In, CtxIn>
> {
  /** @internal */
  constructor(protected readonly untracked: FlowWithContext<In, CtxIn, Out, CtxOut, Mat>) {
    super();
  }

  protected track<O2, C2, M2>(untracked: unknown): TrackedFlowWithContext<In, CtxIn, O2, C2, M2> {
    return new TrackedFlowWithContext(untracked as FlowWithContext<In, CtxIn, O2, C2, M2>);
  }

  /** Appends a tracked flow, keeping this flow's materialized value. */
  via<O2, C2>(flow: TrackedFlowWithContext<Out, CtxOut, O2, C2, unknown>): TrackedFlowWithContext<In, CtxIn, O2, C2, Mat> {
    return this.viaMat(flow, Keep.left);
  }

  /** Appends a tracked flow, combining materialized values. */
  viaMat<O2, C2, M2, M3>(
    flow: TrackedFlowWithContext<Out, CtxOut, O2, C2, M2>,
    combine: (left: Mat, right: M2) => M3,
  ): TrackedFlowWithContext<In, CtxIn, O2, C2, M3> {
    return this.untracked.viaMat(flow, combine);
  }

  /** The underlying flow of pairs: from here on, every context must still be acknowledged. */
  asFlow(): Flow<[In, CtxIn], [Out, CtxOut], Mat> {
    return this.untracked.asFlow();
  }

  /** Connects to a sink of pairs that acknowledges every context, keeping this flow's materialized value. */
  to(sink: Sink<[Out, CtxOut], unknown>): Sink<[In, CtxIn], Mat> {
    return this.untracked.to(sink);
  }

  /** Connects to a sink of pairs that acknowledges every context, combining materialized values. */
  toMat<M2, M3>(sink: Sink<[Out, CtxOut], M2>, combine: (left: Mat, right: M2) => M3): Sink<[In, CtxIn], M3> {
    return this.untracked.toMat(sink, combine);
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): TrackedFlowWithContext<In, CtxIn, Out, CtxOut, M2> {
    return new TrackedFlowWithContext(this.untracked.mapMaterializedValue(f));
  }
}
