import { atom, seq, type Blueprint } from '../core/blueprint';
import { NoMoreElementsNeeded, type Downstream, type InPort, type OutPort, type Upstream } from '../core/protocol';
import { StageProtocolError, type GraphStageLogic, type InHandler, type OutHandler } from './graph-stage';

/** Something a logic must close when it stops. */
export interface SubPort {
  readonly isClosed: boolean;
  /** Closes the port because the owning stage stopped (`failure` set when it failed). */
  closeWithStage(failure?: unknown): void;
}

/**
 * An inlet a stage creates at run time to consume a sub-stream (Akka's `SubSinkInlet`): `materialize(source)`
 * runs a source into it; its handler's callbacks run in the owning stage like any other callback.
 *
 * @example
 * const sub = new SubSinkInlet<T>(this, 'inner', { onPush: () => this.push(out, sub.grab()), onUpstreamFinish: () => next() });
 * sub.materialize(innerSource.blueprint); sub.pull();
 */
export class SubSinkInlet<T> implements SubPort {
  private readonly port: SubInPort<T>;

  constructor(
    private readonly logic: GraphStageLogic,
    readonly name: string,
    handler: InHandler,
  ) {
    this.port = new SubInPort<T>(logic, name, handler);
    logic.registerSubPort(this);
  }

  /** Runs `source` into this inlet and returns its materialized value (cancelled at once if `cancel` came first). */
  materialize(source: Blueprint): unknown {
    const mat = this.logic.materializeSub(seq(source, this.sink(), (l) => l));
    this.port.deliverEarlyCancel();
    return mat;
  }

  /**
   * A sink blueprint that is this inlet, to end a sub-stream built elsewhere (e.g. a `SubSourceOutlet` run through
   * a flow into it: `outlet.materialize(seq(flow, inlet.sink(), Keep.left))`). Materialize it once, and do not
   * `cancel()` the inlet before that (only `materialize` delivers an early cancel).
   */
  sink(): Blueprint {
    const port = this.port;
    return atom(this.name, () => ({ in: port, mat: undefined }));
  }

  pull(): void {
    const p = this.port;
    if (p.closed) throw new StageProtocolError(`cannot pull closed sub-inlet '${this.name}'`);
    if (p.pulled || p.available) throw new StageProtocolError(`cannot pull sub-inlet '${this.name}' twice`);
    p.pulled = true;
    p.upstream?.onDemand();
  }
  grab(): T {
    const p = this.port;
    if (!p.available) throw new StageProtocolError(`no element to grab on sub-inlet '${this.name}'`);
    p.available = false;
    const e = p.element as T;
    p.element = undefined;
    return e;
  }
  get isAvailable(): boolean {
    return this.port.available;
  }
  get hasBeenPulled(): boolean {
    return this.port.pulled;
  }
  get isClosed(): boolean {
    return this.port.closed;
  }
  cancel(cause: unknown = new NoMoreElementsNeeded()): void {
    const p = this.port;
    if (p.closed) return;
    p.closed = true;
    p.pulled = false;
    if (p.upstream) p.upstream.cancel(cause);
    else p.earlyCancel = { cause };
  }
  closeWithStage(failure?: unknown): void {
    this.cancel(failure ?? new NoMoreElementsNeeded());
  }
}

class SubInPort<T> implements InPort<T> {
  upstream: Upstream | undefined;
  pulled = false;
  available = false;
  closed = false;
  element: T | undefined;
  /** A cancel that came before the sub-stream was materialized, delivered once it runs. */
  earlyCancel: { readonly cause: unknown } | undefined;
  constructor(
    private readonly logic: GraphStageLogic,
    private readonly name: string,
    private readonly handler: InHandler,
  ) {}
  attachUpstream(upstream: Upstream): void {
    this.upstream = upstream;
    if (this.pulled) upstream.onDemand();
  }
  deliverEarlyCancel(): void {
    const early = this.earlyCancel;
    this.earlyCancel = undefined;
    if (early) this.upstream?.cancel(early.cause);
  }
  hasDemand(): boolean {
    return this.pulled && !this.closed;
  }
  onNext(element: T): void {
    if (this.closed) return; // it raced our cancel
    if (!this.pulled) throw new StageProtocolError(`element pushed to sub-inlet '${this.name}' without demand`);
    this.pulled = false;
    this.available = true;
    this.element = element;
    this.logic.enqueue(() => {
      if (!this.closed) this.handler.onPush();
    });
  }
  onComplete(): void {
    this.logic.enqueue(() => {
      if (this.closed) return;
      this.closed = true;
      this.handler.onUpstreamFinish?.();
    });
  }
  onError(error: unknown): void {
    this.logic.enqueue(() => {
      if (this.closed) return;
      this.closed = true;
      if (this.handler.onUpstreamFailure) this.handler.onUpstreamFailure(error);
      else this.logic.failStage(error);
    });
  }
}

/**
 * An outlet a stage creates at run time to feed a sub-stream (Akka's `SubSourceOutlet`): `materialize(sink)` runs
 * this outlet into a sink; `onPull` arrives when the sink wants an element.
 *
 * @example
 * const side = new SubSourceOutlet<T>(this, 'side', { onPull: () => tryPushSide() });
 * side.materialize(sideSink.blueprint);
 */
export class SubSourceOutlet<T> implements SubPort {
  private readonly port: SubOutPort<T>;

  constructor(
    private readonly logic: GraphStageLogic,
    readonly name: string,
    handler: OutHandler,
  ) {
    this.port = new SubOutPort<T>(logic, handler);
    logic.registerSubPort(this);
  }

  /**
   * Runs this outlet into `sink` and returns the sink's materialized value. A `complete()`/`fail()` that came
   * first reaches the sink once it runs.
   */
  materialize(sink: Blueprint): unknown {
    const port = this.port;
    const source = atom(this.name, () => ({ out: port, mat: undefined }));
    const mat = this.logic.materializeSub(seq(source, sink, (_l, r) => r));
    port.deliverEarlyTerminal();
    return mat;
  }

  /** Whether the sub-stream has pulled and not been pushed to yet. */
  get isAvailable(): boolean {
    return this.port.available;
  }
  get isClosed(): boolean {
    return this.port.closed;
  }
  push(element: T): void {
    const p = this.port;
    if (p.closed) throw new StageProtocolError(`cannot push to closed sub-outlet '${this.name}'`);
    if (!p.available) throw new StageProtocolError(`cannot push to sub-outlet '${this.name}' before it is pulled`);
    p.available = false;
    p.downstream!.onNext(element);
    p.onDemand();
  }
  complete(): void {
    const p = this.port;
    if (p.closed) return;
    p.closed = true;
    p.available = false;
    if (p.downstream) p.downstream.onComplete();
    else p.earlyTerminal = { failed: false };
  }
  fail(error: unknown): void {
    const p = this.port;
    if (p.closed) return;
    p.closed = true;
    p.available = false;
    if (p.downstream) p.downstream.onError(error);
    else p.earlyTerminal = { failed: true, error };
  }
  closeWithStage(failure?: unknown): void {
    if (failure === undefined) this.complete();
    else this.fail(failure);
  }
}

class SubOutPort<T> implements OutPort<T> {
  downstream: Downstream<T> | undefined;
  available = false;
  closed = false;
  /** A completion or failure that came before the sub-stream was materialized, delivered once it runs. */
  earlyTerminal: { readonly failed: false } | { readonly failed: true; readonly error: unknown } | undefined;
  private pullQueued = false;
  constructor(
    private readonly logic: GraphStageLogic,
    private readonly handler: OutHandler,
  ) {}
  attachDownstream(downstream: Downstream<T>): void {
    this.downstream = downstream;
  }
  deliverEarlyTerminal(): void {
    const early = this.earlyTerminal;
    this.earlyTerminal = undefined;
    if (!early || !this.downstream) return;
    if (early.failed) this.downstream.onError(early.error);
    else this.downstream.onComplete();
  }
  onDemand(): void {
    if (this.closed || this.available || this.pullQueued) return;
    this.pullQueued = true;
    this.logic.enqueue(() => {
      this.pullQueued = false;
      if (this.closed || this.available || !this.downstream?.hasDemand()) return;
      this.available = true;
      this.handler.onPull();
    });
  }
  cancel(cause?: unknown): void {
    this.logic.enqueue(() => {
      if (this.closed) return;
      this.closed = true;
      this.available = false;
      if (this.handler.onDownstreamFinish) this.handler.onDownstreamFinish(cause);
      else this.logic.cancelStage(cause);
    });
  }
}
