import { materialize, type Blueprint } from '../core/blueprint';
import { Materializer, type MaterializerSettings } from '../core/materializer';
import { requireShape, type Graph } from '../graph/graph';
import type { ClosedShape } from '../stage/shape';

/**
 * A closed blueprint (source connected to sink) ready to run. Running it twice gives two independent streams.
 *
 * @example
 * const done: Promise<void> = Source.range(1, 10).to(Sink.ignore()).run(); // mat of the source: void
 * const sum = await Source.range(1, 10).toMat(Sink.fold(0, (a, b) => a + b), Keep.right).run(); // 55
 */
export class RunnableGraph<Mat> {
  /** @internal */
  constructor(readonly blueprint: Blueprint) {}

  /** Materializes and starts the stream; returns its materialized value. */
  run(materializer?: Materializer | MaterializerSettings): Mat {
    return materialize(this.blueprint, Materializer.from(materializer)) as Mat;
  }

  /**
   * A runnable graph from a closed `GraphDSL` graph (all ports connected).
   * @example RunnableGraph.fromGraph(GraphDSL.create(b => { b.from(source).to(sink); return ClosedShape; })).run()
   */
  static fromGraph<M>(graph: Graph<ClosedShape, M>): RunnableGraph<M> {
    requireShape(graph, 0, 0, 'RunnableGraph.fromGraph', 'a ClosedShape (no open ports)');
    return new RunnableGraph<M>(graph.blueprint);
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): RunnableGraph<M2> {
    return new RunnableGraph<M2>({ kind: 'mapMat', inner: this.blueprint, f });
  }
}
