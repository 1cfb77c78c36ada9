import type { Blueprint } from '../core/blueprint';
import type { Shape } from '../stage/shape';

/**
 * Anything with a shape that can be materialized: a `GraphStage` (e.g. a junction), a `Source`/`Flow`/`Sink`, or a
 * graph built with `GraphDSL`. Immutable; add it to a `GraphDSL` builder as often as needed.
 */
export interface Graph<S extends Shape, M> {
  /** The graph's open ports (a template: the builder copies them per use). */
  readonly shape: S;
  /** @internal */
  readonly blueprint: Blueprint;
  /** @internal Type marker for the materialized value. */
  readonly __mat?: M;
}

/** Throws a clear error when `graph` does not have the expected numbers of open ports. */
export function requireShape(graph: Graph<any, unknown>, outlets: number, inlets: number, op: string, expected: string): void {
  const shape = graph?.shape;
  if (!shape || !Array.isArray(shape.inlets) || !Array.isArray(shape.outlets)) {
    throw new TypeError(`${op}: expected a graph (a GraphStage or a GraphDSL graph), got ${graph === null ? 'null' : typeof graph}`);
  }
  if (shape.inlets.length !== inlets || shape.outlets.length !== outlets) {
    throw new TypeError(
      `${op}: expected ${expected}, got a shape with ${shape.inlets.length} inlet(s) and ${shape.outlets.length} outlet(s)`,
    );
  }
}
