/** A typed input port of a stage's shape. */
export class Inlet<T> {
  declare readonly __in?: T;
  constructor(readonly name: string) {}
  toString(): string {
    return `Inlet(${this.name})`;
  }
}

/** A typed output port of a stage's shape. */
export class Outlet<T> {
  declare readonly __out?: T;
  constructor(readonly name: string) {}
  toString(): string {
    return `Outlet(${this.name})`;
  }
}

/** The ports of a stage or graph. */
export interface Shape {
  readonly inlets: readonly Inlet<any>[];
  readonly outlets: readonly Outlet<any>[];
}

/** One outlet: a source. */
export class SourceShape<T> implements Shape {
  readonly inlets: readonly Inlet<any>[] = [];
  readonly outlets: readonly Outlet<any>[];
  constructor(readonly out: Outlet<T>) {
    this.outlets = [out];
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
}
