import { ClosedShape, GraphDSL, RunnableGraph, type Graph, type Materializer, type Shape, type SinkShape, type SourceShape } from 'tributary';
import { TestSink, TestSource, type MarbleContext, type MarbleSink, type MarbleSource, type SinkProbe, type SourceProbe } from 'tributary/testing';

/** The materialized sources and sinks of a junction under test, by inlet / outlet index. */
export interface Wired<In, Out> {
  readonly ins: In[];
  readonly outs: Out[];
}

type AnyGraph = Graph<Shape, unknown>;

/** Connects one source to each inlet of `junction` and one sink to each outlet, and runs the closed graph. */
function wire<In, Out>(
  junction: AnyGraph,
  source: (i: number) => AnyGraph,
  sink: (i: number) => AnyGraph,
  run: (graph: RunnableGraph<unknown[]>) => unknown[],
): Wired<In, Out> {
  const { inlets, outlets } = junction.shape;
  const imports = [...inlets.map((_, i) => source(i)), ...outlets.map((_, i) => sink(i))];
  const graph = GraphDSL.createWithMat(
    imports,
    (...mats: unknown[]) => mats,
    (b, ...shapes: Shape[]) => {
      const j = b.add(junction);
      j.inlets.forEach((inlet, i) => b.from((shapes[i] as SourceShape<unknown>).out).to(inlet));
      j.outlets.forEach((outlet, i) => b.from(outlet).to((shapes[inlets.length + i] as SinkShape<unknown>).in));
      return ClosedShape;
    },
  );
  const mats = run(RunnableGraph.fromGraph(graph) as RunnableGraph<unknown[]>);
  return { ins: mats.slice(0, inlets.length) as In[], outs: mats.slice(inlets.length) as Out[] };
}

/** Runs `junction` between source probes (one per inlet) and sink probes (one per outlet). */
export function probeJunction<I = any, O = any>(junction: AnyGraph, materializer?: Materializer): Wired<SourceProbe<I>, SinkProbe<O>> {
  return wire(
    junction,
    () => TestSource.probe<I>(),
    () => TestSink.probe<O>(),
    (g) => g.run(materializer),
  );
}

/**
 * Runs `junction` in a marble test: `sources[i]` feeds inlet `i` (cold marbles, `values` maps letters); `demand[i]`
 * drives the sink on outlet `i` (omitted or `undefined`: unbounded demand).
 */
export function marbleJunction<T = string>(
  m: MarbleContext,
  junction: AnyGraph,
  sources: readonly string[],
  demand: readonly (string | undefined)[] = [],
  values?: Readonly<Record<string, T>>,
): Wired<MarbleSource<T>, MarbleSink<unknown>> {
  return wire(
    junction,
    (i) => m.source<T>(sources[i]!, values),
    (i) => m.sink<unknown>(demand[i]),
    (g) => m.run(g),
  );
}
