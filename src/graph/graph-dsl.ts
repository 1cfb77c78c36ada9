import type { Blueprint, Edge } from '../core/blueprint';
import type { NotUsed } from '../dsl/keep';
import { Inlet, Outlet, type FlowShape, type Shape, type SinkShape, type SourceShape } from '../stage/shape';
import type { Graph } from './graph';

type PortRef = readonly [component: number, port: number];

/** Something that has an outlet to connect from: an outlet, or an added shape with an `out` port. */
export type OutletSource<T> = Outlet<T> | { readonly out: Outlet<T> } | Graph<SourceShape<T>, unknown>;
/** Something that has an inlet to connect to: an inlet, or an added shape with an `in` port. */
export type InletTarget<T> = Inlet<T> | { readonly in: Inlet<T> } | Graph<SinkShape<T>, unknown>;

/** A builder mistake: a port connected twice, a port of another builder, a shape that does not fit. */
export class GraphValidationError extends Error {
  override readonly name = 'GraphValidationError';
}

const isGraph = (x: unknown): x is Graph<Shape, unknown> =>
  typeof x === 'object' && x !== null && 'blueprint' in x && 'shape' in x;

/**
 * The mutable builder passed to `GraphDSL.create`: add components, connect their ports, return the shape of
 * the ports left open. Adding the same blueprint twice gives two independent components.
 */
export class GraphBuilder {
  /** @internal */ readonly components: Blueprint[] = [];
  /** @internal */ readonly edges: Edge[] = [];
  private readonly labels: string[] = [];
  private readonly inlets = new Map<Inlet<any>, PortRef>();
  private readonly outlets = new Map<Outlet<any>, PortRef>();
  private readonly connected = new Set<Inlet<any> | Outlet<any>>();

  /**
   * Adds a component (a junction, a `Source`/`Flow`/`Sink`, or another graph) and returns its ports.
   * @example const bcast = b.add(Broadcast.create<number>(2)); b.from(bcast.out(0)).to(sink);
   */
  add<S extends Shape>(graph: Graph<S, unknown>): S {
    if (!isGraph(graph)) throw new GraphValidationError(`GraphDSL: add() expects a graph (stage, Source, Flow, Sink), got ${typeof graph}`);
    const index = this.components.push(graph.blueprint) - 1;
    const shape = graph.shape.deepCopy() as S;
    this.labels.push(`#${index} ${labelOf(graph)}`);
    shape.inlets.forEach((p, i) => this.inlets.set(p, [index, i]));
    shape.outlets.forEach((p, i) => this.outlets.set(p, [index, i]));
    return shape;
  }

  /**
   * Starts a connection at an outlet (or a source, which is added).
   * @example b.from(source).via(flow).to(merge.in(0))
   */
  from<T>(origin: OutletSource<T>): PortOps<T> {
    return new PortOps<T>(this, this.outletOf(origin));
  }

  /** Connects `outlet` to `inlet` (both must belong to this builder and be unconnected). */
  connect<T>(outlet: Outlet<T>, inlet: Inlet<T>): void {
    const from = this.outlets.get(outlet);
    const to = this.inlets.get(inlet);
    if (!from) throw new GraphValidationError(`GraphDSL: ${String(outlet)} does not belong to this builder (add its component first)`);
    if (!to) throw new GraphValidationError(`GraphDSL: ${String(inlet)} does not belong to this builder (add its component first)`);
    for (const p of [outlet, inlet]) {
      if (this.connected.has(p)) throw new GraphValidationError(`GraphDSL: ${String(p)} is already connected; a port connects once`);
    }
    this.connected.add(outlet);
    this.connected.add(inlet);
    this.edges.push({ from, to });
  }

  /** @internal */
  outletOf<T>(origin: OutletSource<T>): Outlet<T> {
    if (origin instanceof Outlet) return origin;
    if (isGraph(origin)) return this.add(origin).outlets[0] as Outlet<T> ?? this.fail(origin, 'an outlet');
    if (origin && (origin as { out?: unknown }).out instanceof Outlet) return (origin as { out: Outlet<T> }).out;
    throw new GraphValidationError(`GraphDSL: cannot connect from ${describe(origin)}; expected an outlet, a shape with 'out' or a Source`);
  }

  /** @internal */
  inletOf<T>(target: InletTarget<T>): Inlet<T> {
    if (target instanceof Inlet) return target;
    if (isGraph(target)) return this.add(target).inlets[0] as Inlet<T> ?? this.fail(target, 'an inlet');
    if (target && (target as { in?: unknown }).in instanceof Inlet) return (target as { in: Inlet<T> }).in;
    throw new GraphValidationError(`GraphDSL: cannot connect to ${describe(target)}; expected an inlet, a shape with 'in' or a Sink`);
  }

  /** @internal Checks the result and returns the graph blueprint. */
  finish(shape: Shape, combine: (mats: readonly unknown[]) => unknown): Blueprint {
    if (!shape || !Array.isArray(shape.inlets) || !Array.isArray(shape.outlets)) {
      throw new GraphValidationError('GraphDSL: the builder must return a shape (ClosedShape, SourceShape, FlowShape, …)');
    }
    const open = new Set<Inlet<any> | Outlet<any>>([...shape.inlets, ...shape.outlets]);
    for (const p of open) {
      if (!this.inlets.has(p as Inlet<any>) && !this.outlets.has(p as Outlet<any>)) {
        throw new GraphValidationError(`GraphDSL: the returned shape's ${String(p)} does not belong to this builder`);
      }
      if (this.connected.has(p)) throw new GraphValidationError(`GraphDSL: the returned shape's ${String(p)} is connected inside the graph`);
    }
    const dangling = [...this.inlets.keys(), ...this.outlets.keys()].filter((p) => !this.connected.has(p) && !open.has(p));
    if (dangling.length > 0) {
      const list = dangling.map((p) => `${String(p)} of ${this.labels[(this.inlets.get(p as Inlet<any>) ?? this.outlets.get(p as Outlet<any>))![0]]}`);
      throw new GraphValidationError(`GraphDSL: unconnected ports: ${list.join(', ')}; connect them or return them in the shape`);
    }
    this.checkCycles();
    return {
      kind: 'graph',
      components: [...this.components],
      edges: [...this.edges],
      ins: shape.inlets.map((p) => this.inlets.get(p)!),
      outs: shape.outlets.map((p) => this.outlets.get(p)!),
      combine,
    };
  }

  /** Every cycle must pass through an explicit buffer (`buffer`/`async`), or it could deadlock or spin. */
  private checkCycles(): void {
    const n = this.components.length;
    const next: number[][] = Array.from({ length: n }, () => []);
    for (const { from, to } of this.edges) next[from[0]]!.push(to[0]);
    for (const scc of stronglyConnected(n, next)) {
      const cyclic = scc.length > 1 || next[scc[0]!]!.includes(scc[0]!);
      if (cyclic && !scc.some((c) => decouples(this.components[c]!))) {
        const path = scc.map((c) => this.labels[c]).join(' → ');
        throw new GraphValidationError(
          `GraphDSL: cycle without a buffer through ${path}; add .buffer(n, overflow) or .async() on the feedback path`,
        );
      }
    }
  }

  private fail(graph: Graph<Shape, unknown>, what: string): never {
    throw new GraphValidationError(`GraphDSL: ${labelOf(graph)} has no ${what} to connect`);
  }
}

/** A connection under construction: the outlet it starts from. */
export class PortOps<T> {
  constructor(
    private readonly b: GraphBuilder,
    /** The outlet the next `via`/`to` connects from. */
    readonly outlet: Outlet<T>,
  ) {}

  /**
   * Connects through a flow (a `Flow`, which is added, or an added flow-shaped component) and continues from its outlet.
   * @example b.from(bcast.out(0)).via(Flow.create<number>().map(x => x + 1)).to(merge.in(0))
   */
  via<U>(flow: Graph<FlowShape<T, U>, unknown> | FlowShape<T, U>): PortOps<U> {
    const shape = isGraph(flow) ? this.b.add(flow) : flow;
    const inlet = shape.in;
    const out = shape.out;
    if (!(inlet instanceof Inlet) || !(out instanceof Outlet)) {
      throw new GraphValidationError(`GraphDSL: via() expects a flow (one inlet, one outlet), got ${describe(flow)}`);
    }
    this.b.connect(this.outlet, inlet);
    return new PortOps<U>(this.b, out);
  }

  /**
   * Ends the connection at an inlet (or a sink, which is added).
   * @example b.from(merge.out).to(Sink.foreach(console.log))
   */
  to(target: InletTarget<T>): void {
    this.b.connect(this.outlet, this.b.inletOf(target));
  }
}

type ShapesOf<Gs extends readonly Graph<Shape, unknown>[]> = { [K in keyof Gs]: Gs[K] extends Graph<infer S, unknown> ? S : never };
type MatsOf<Gs extends readonly Graph<Shape, unknown>[]> = { [K in keyof Gs]: Gs[K] extends Graph<Shape, infer M> ? M : never };

/** A graph built with `GraphDSL`. */
class BuiltGraph<S extends Shape, M> implements Graph<S, M> {
  declare readonly __mat?: M;
  constructor(
    readonly shape: S,
    readonly blueprint: Blueprint,
  ) {}
}

/**
 * Builds non-linear graphs (fan-out, fan-in, cycles through buffers) from junctions and linear parts, checked
 * when built: every port connected exactly once (or returned open in the shape), cycles only through a buffer.
 *
 * @example
 * const graph = RunnableGraph.fromGraph(GraphDSL.create(b => {
 *   const bcast = b.add(Broadcast.create<number>(2));
 *   const merge = b.add(Merge.create<number>(2));
 *   b.from(source).to(bcast.in);
 *   b.from(bcast.out(0)).via(Flow.create<number>().map(x => x + 1)).to(merge.in(0));
 *   b.from(bcast.out(1)).to(merge.in(1));
 *   b.from(merge.out).to(sink);
 *   return ClosedShape;
 * }));
 */
export const GraphDSL = {
  /** A graph whose materialized value is `NotUsed`; `build` returns the shape of the ports left open. */
  create<S extends Shape>(build: (b: GraphBuilder) => S): Graph<S, NotUsed> {
    const b = new GraphBuilder();
    const shape = build(b);
    return new BuiltGraph<S, NotUsed>(shape, b.finish(shape, () => undefined));
  },

  /**
   * A graph whose materialized value combines those of `imports` (added first; their ports are passed to `build`).
   * @example
   * GraphDSL.createWithMat([Sink.seq<number>(), Sink.seq<number>()] as const, (a, b) => Promise.all([a, b]), (b, left, right) => { …; return ClosedShape; })
   */
  createWithMat<const Gs extends readonly Graph<Shape, unknown>[], M, S extends Shape>(
    imports: Gs,
    combine: (...mats: MatsOf<Gs>) => M,
    build: (b: GraphBuilder, ...shapes: ShapesOf<Gs>) => S,
  ): Graph<S, M> {
    const b = new GraphBuilder();
    const shapes = imports.map((g) => b.add(g)) as unknown as ShapesOf<Gs>;
    const shape = build(b, ...shapes);
    const k = imports.length;
    return new BuiltGraph<S, M>(shape, b.finish(shape, (mats) => combine(...(mats.slice(0, k) as unknown as MatsOf<Gs>))));
  },
};

/** Whether a blueprint contains an explicit buffer (which breaks a cycle's synchronous loop). */
function decouples(bp: Blueprint): boolean {
  switch (bp.kind) {
    case 'atom':
      return bp.name === 'buffer' || bp.name === 'async';
    case 'seq':
      return decouples(bp.left) || decouples(bp.right);
    case 'attrs':
    case 'mapMat':
      return decouples(bp.inner);
    case 'graph':
      return bp.components.some(decouples);
    default:
      return false;
  }
}

/** Tarjan's strongly connected components over `n` nodes. */
function stronglyConnected(n: number, next: readonly (readonly number[])[]): number[][] {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const result: number[][] = [];
  let counter = 0;
  const visit = (v: number): void => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
    for (const w of next[v]!) {
      if (index[w] === -1) {
        visit(w);
        low[v] = Math.min(low[v]!, low[w]!);
      } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
    }
    if (low[v] === index[v]) {
      const scc: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = false;
        scc.push(w);
      } while (w !== v);
      result.push(scc.reverse());
    }
  };
  for (let v = 0; v < n; v++) if (index[v] === -1) visit(v);
  return result;
}

function labelOf(graph: Graph<Shape, unknown>): string {
  const bp = graph.blueprint;
  if (bp.kind === 'atom') return bp.name;
  const ctor = (graph as object).constructor?.name;
  return ctor && ctor !== 'Object' ? ctor.toLowerCase() : 'graph';
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'object';
}
