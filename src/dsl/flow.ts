import type { OperatorFunction } from 'rxjs';
import { identity, seq, type Blueprint } from '../core/blueprint';
import type { Materializer, MaterializerSettings } from '../core/materializer';
import { fromOperator } from '../operators/flow/from-operator';
import { FlowShape, Inlet, Outlet } from '../stage/shape';
import { requireShape, type Graph } from '../graph/graph';
import { FlowOps, type FlowTag } from './flow-ops';
import { Keep, type NotUsed } from './keep';
import { RunnableGraph } from './runnable-graph';
import { Sink } from './sink';
import type { Source } from './source';
import { FlowWithContext } from '../context/flow-with-context';
import { requireFunction } from '../core/validate';

/**
 * A reusable, typed processing step with one input and one output. Immutable; compose with `via`, attach to a
 * sink with `to`.
 *
 * @example
 * const parse = Flow.create<string>().map(s => JSON.parse(s) as Row).filter(r => r.active).named('parse');
 * await Source.from(lines).via(parse).runWith(Sink.seq());
 */
export class Flow<In, Out, Mat = NotUsed> extends FlowOps<Out, Mat, FlowTag<In>> {
  /** @internal */
  constructor(readonly blueprint: Blueprint) {
    super();
  }

  declare readonly __mat?: Mat;

  /** This flow as a graph component (`GraphDSL`): one inlet, one outlet. */
  get shape(): FlowShape<In, Out> {
    return new FlowShape(new Inlet<In>('flow.in'), new Outlet<Out>('flow.out'));
  }

  protected andThen<T>(stage: Blueprint): Flow<In, T, Mat> {
    return new Flow<In, T, Mat>(seq(this.blueprint, stage, Keep.left));
  }
  protected andThenMat<T, M2, M3>(stage: Blueprint, combine: (l: Mat, r: M2) => M3): Flow<In, T, M3> {
    return new Flow<In, T, M3>(seq(this.blueprint, stage, combine));
  }
  protected withBlueprint(blueprint: Blueprint): Flow<In, Out, Mat> {
    return new Flow<In, Out, Mat>(blueprint);
  }

  /** Appends `flow`, keeping this flow's materialized value. */
  via<T>(flow: Flow<Out, T, unknown>): Flow<In, T, Mat> {
    return this.andThen(flow.blueprint);
  }

  /** Appends `flow`, combining materialized values with `combine`. */
  viaMat<T, M2, M3>(flow: Flow<Out, T, M2>, combine: (left: Mat, right: M2) => M3): Flow<In, T, M3> {
    return this.andThenMat(flow.blueprint, combine);
  }

  /** Connects this flow to `sink`, giving a sink that keeps this flow's materialized value. */
  to(sink: Sink<Out, unknown>): Sink<In, Mat> {
    return new Sink<In, Mat>(seq(this.blueprint, sink.blueprint, Keep.left));
  }

  /** Connects this flow to `sink`, combining materialized values. */
  toMat<M2, M3>(sink: Sink<Out, M2>, combine: (left: Mat, right: M2) => M3): Sink<In, M3> {
    return new Sink<In, M3>(seq(this.blueprint, sink.blueprint, combine));
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): Flow<In, Out, M2> {
    return new Flow<In, Out, M2>({ kind: 'mapMat', inner: this.blueprint, f });
  }

  /**
   * Turns this flow into a `FlowWithContext` (Akka's `asFlowWithContext`): each incoming `[element, context]` pair
   * is collapsed into this flow's input with `collapse`, and each output gets the context `extract` computes from
   * it. Use it for flows that already carry the offset inside their elements.
   * - Emits when: this flow emits. Backpressures when: this flow does. Completes when: this flow completes.
   * - Fails when: this flow fails, or `collapse`/`extract` throws.
   * @example Flow.create<Msg>().mapAsync(4, send).asFlowWithContext((m: Msg, o: Offset) => ({ ...m, o }), sent => sent.o)
   */
  asFlowWithContext<U, CtxU, CtxOut>(
    collapse: (element: U, context: CtxU) => In,
    extract: (element: Out) => CtxOut,
  ): FlowWithContext<U, CtxU, Out, CtxOut, Mat> {
    requireFunction('asFlowWithContext', 'collapse', collapse);
    requireFunction('asFlowWithContext', 'extract', extract);
    const pairs = Flow.create<[U, CtxU]>()
      .map(([element, context]) => collapse(element, context))
      .viaMat(this, Keep.right)
      .map((out): [Out, CtxOut] => [out, extract(out)]);
    return FlowWithContext.fromTuples(pairs);
  }

  /** Runs `source` through this flow into `sink`; returns both materialized values. */
  runWith<M1, M2>(
    source: Source<In, M1>,
    sink: Sink<Out, M2>,
    materializer?: Materializer | MaterializerSettings,
  ): [M1, M2] {
    const graph = new RunnableGraph<[M1, M2]>(
      seq(seq(source.blueprint, this.blueprint, Keep.left), sink.blueprint, Keep.both),
    );
    return graph.run(materializer);
  }

  /**
   * The identity flow, the starting point of a reusable chain.
   * @example const double = Flow.create<number>().map(x => x * 2);
   */
  static create<T>(): Flow<T, T, NotUsed> {
    return new Flow<T, T, NotUsed>(identity);
  }

  /**
   * Runs a synchronous RxJS operator fused inside the stream (map, filter, scan, bufferCount, distinctUntilChanged,
   * pairwise…). The operator should emit synchronously in response to its input: its output waits (at most 1024
   * elements) while downstream has no demand, and more than that fails the stream with `UnboundedOperatorError`.
   * An asynchronous operator (delay, debounceTime…) is not backpressured: it is fed input whenever none of its output
   * waits and downstream has demand, so it may buffer without bound (use a Tributary operator for time-based work).
   * @example Flow.fromOperator<number, number>(distinctUntilChanged())
   */
  static fromOperator<I, O>(operator: OperatorFunction<I, O>): Flow<I, O, NotUsed> {
    return new Flow<I, O, NotUsed>(fromOperator(operator));
  }

  /**
   * A flow from a graph with a `FlowShape`: a custom stage (the operator-author API) or a `GraphDSL` graph.
   * @example Flow.fromGraph(new TakeEven())
   */
  static fromGraph<I, O, M>(graph: Graph<FlowShape<I, O>, M>): Flow<I, O, M> {
    requireShape(graph, 1, 1, 'Flow.fromGraph', 'a FlowShape (one inlet, one outlet)');
    return new Flow<I, O, M>(graph.blueprint);
  }
}
