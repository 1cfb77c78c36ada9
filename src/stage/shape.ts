let nextPortId = 0;

/** A typed input port of a stage's shape. */
export class Inlet<T> {
  /** @internal A process-unique number (ports of one shape are numbered consecutively), for fast lookups. */
  readonly id = nextPortId++;
  declare readonly __in?: (element: T) => void; // contravariant: an Inlet<number> accepts what an Inlet<never> does
  constructor(readonly name: string) {}
  toString(): string {
    return `Inlet(${this.name})`;
  }
}

/** A typed output port of a stage's shape. */
export class Outlet<T> {
  /** @internal A process-unique number (ports of one shape are numbered consecutively), for fast lookups. */
  readonly id = nextPortId++;
  declare readonly __out?: T;
  constructor(readonly name: string) {}
  toString(): string {
    return `Outlet(${this.name})`;
  }
}

/** The ports of a stage or graph, in a fixed order. */
export interface Shape {
  readonly inlets: readonly Inlet<any>[];
  readonly outlets: readonly Outlet<any>[];
  /** A shape of the same kind with fresh ports (so one blueprint can be added to a graph several times). */
  deepCopy(): Shape;
}

const fresh = <P extends Inlet<any> | Outlet<any>>(p: P): P =>
  (p instanceof Inlet ? new Inlet(p.name) : new Outlet(p.name)) as P;

/** No open ports: a runnable graph. */
export interface ClosedShape extends Shape {
  readonly closed: true;
}

/** The closed shape: return it from a `GraphDSL` builder whose ports are all connected. */
export const ClosedShape: ClosedShape = Object.freeze({
  inlets: [],
  outlets: [],
  closed: true as const,
  deepCopy: (): ClosedShape => ClosedShape,
});

/** One outlet: a source. */
export class SourceShape<T> implements Shape {
  readonly inlets: readonly Inlet<any>[] = [];
  readonly outlets: readonly Outlet<any>[];
  constructor(readonly out: Outlet<T>) {
    this.outlets = [out];
  }
  deepCopy(): SourceShape<T> {
    return new SourceShape(fresh(this.out));
  }
}

/** One inlet and one outlet: a flow. */
export class FlowShape<I, O> implements Shape {
  readonly inlets: readonly Inlet<any>[];
  readonly outlets: readonly Outlet<any>[];
  readonly in: Inlet<I>;
  constructor(inlet: Inlet<I>, readonly out: Outlet<O>) {
    this.in = inlet;
    this.inlets = [inlet];
    this.outlets = [out];
  }
  deepCopy(): FlowShape<I, O> {
    return new FlowShape(fresh(this.in), fresh(this.out));
  }
}

/** One inlet: a sink. */
export class SinkShape<I> implements Shape {
  readonly inlets: readonly Inlet<any>[];
  readonly outlets: readonly Outlet<any>[] = [];
  readonly in: Inlet<I>;
  constructor(inlet: Inlet<I>) {
    this.in = inlet;
    this.inlets = [inlet];
  }
  deepCopy(): SinkShape<I> {
    return new SinkShape(fresh(this.in));
  }
}

/** `n` inlets of one type and one outlet (Merge, Concat, Interleave, MergePreferred…). */
export class UniformFanInShape<I, O> implements Shape {
  readonly inlets: readonly Inlet<I>[];
  readonly outlets: readonly Outlet<any>[];
  constructor(
    readonly out: Outlet<O>,
    inlets: readonly Inlet<I>[],
  ) {
    this.inlets = inlets;
    this.outlets = [out];
  }
  /** The `i`-th inlet. */
  in(i: number): Inlet<I> {
    return portAt(this.inlets, i, 'inlet');
  }
  deepCopy(): UniformFanInShape<I, O> {
    return new UniformFanInShape(fresh(this.out), this.inlets.map(fresh));
  }
  /** A shape named `name` with `n` inlets. */
  static create<I, O>(name: string, n: number): UniformFanInShape<I, O> {
    return new UniformFanInShape<I, O>(
      new Outlet<O>(`${name}.out`),
      Array.from({ length: n }, (_, i) => new Inlet<I>(`${name}.in${i}`)),
    );
  }
}

/** One inlet and `n` outlets of one type (Broadcast, Balance, Partition). */
export class UniformFanOutShape<I, O> implements Shape {
  readonly inlets: readonly Inlet<any>[];
  readonly outlets: readonly Outlet<O>[];
  readonly in: Inlet<I>;
  constructor(inlet: Inlet<I>, outlets: readonly Outlet<O>[]) {
    this.in = inlet;
    this.inlets = [inlet];
    this.outlets = outlets;
  }
  /** The `i`-th outlet. */
  out(i: number): Outlet<O> {
    return portAt(this.outlets, i, 'outlet');
  }
  deepCopy(): UniformFanOutShape<I, O> {
    return new UniformFanOutShape(fresh(this.in), this.outlets.map(fresh));
  }
  /** A shape named `name` with `n` outlets. */
  static create<I, O>(name: string, n: number): UniformFanOutShape<I, O> {
    return new UniformFanOutShape<I, O>(
      new Inlet<I>(`${name}.in`),
      Array.from({ length: n }, (_, i) => new Outlet<O>(`${name}.out${i}`)),
    );
  }
}

/** Two inlets of different types and one outlet (Zip, ZipWith, ZipLatest, MergeSorted's typed form). */
export class FanInShape2<A, B, O> implements Shape {
  readonly inlets: readonly Inlet<any>[];
  readonly outlets: readonly Outlet<any>[];
  constructor(
    readonly in0: Inlet<A>,
    readonly in1: Inlet<B>,
    readonly out: Outlet<O>,
  ) {
    this.inlets = [in0, in1];
    this.outlets = [out];
  }
  deepCopy(): FanInShape2<A, B, O> {
    return new FanInShape2(fresh(this.in0), fresh(this.in1), fresh(this.out));
  }
  static create<A, B, O>(name: string): FanInShape2<A, B, O> {
    return new FanInShape2(new Inlet<A>(`${name}.in0`), new Inlet<B>(`${name}.in1`), new Outlet<O>(`${name}.out`));
  }
}

/** One inlet and two outlets of different types (Unzip, UnzipWith). */
export class FanOutShape2<I, A, B> implements Shape {
  readonly inlets: readonly Inlet<any>[];
  readonly outlets: readonly Outlet<any>[];
  readonly in: Inlet<I>;
  constructor(
    inlet: Inlet<I>,
    readonly out0: Outlet<A>,
    readonly out1: Outlet<B>,
  ) {
    this.in = inlet;
    this.inlets = [inlet];
    this.outlets = [out0, out1];
  }
  deepCopy(): FanOutShape2<I, A, B> {
    return new FanOutShape2(fresh(this.in), fresh(this.out0), fresh(this.out1));
  }
  static create<I, A, B>(name: string): FanOutShape2<I, A, B> {
    return new FanOutShape2(new Inlet<I>(`${name}.in`), new Outlet<A>(`${name}.out0`), new Outlet<B>(`${name}.out1`));
  }
}

function portAt<P>(ports: readonly P[], i: number, kind: string): P {
  const p = ports[i];
  if (p === undefined) throw new RangeError(`no ${kind} ${i}: the shape has ${ports.length} ${kind}s (0..${ports.length - 1})`);
  return p;
}
