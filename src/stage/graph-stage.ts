import type { SchedulerAction, Subscription } from 'rxjs';
import { materialize, type Blueprint, type StageContext } from '../core/blueprint';
import { Deque } from '../core/deque';
import type { BufferStats } from '../core/materializer';
import { NoMoreElementsNeeded, type Downstream, type InPort, type OutPort, type Upstream } from '../core/protocol';
import { reportUncaught } from '../core/report-uncaught';
import { StageFailure } from '../core/stage-failure';
import type { Inlet, Outlet, Shape } from './shape';
import type { SubPort } from './sub-stream';
import type { Graph } from '../graph/graph';
import { stageBlueprint } from './stage-blueprint';

/** Callbacks for an inlet (Akka's `InHandler`). */
export interface InHandler {
  /** An element is available: `grab(inlet)` it. */
  onPush(): void;
  /** Upstream completed. Default: complete the stage. */
  onUpstreamFinish?(): void;
  /** Upstream failed. Default: fail the stage with the same error. */
  onUpstreamFailure?(error: unknown): void;
}

/** Callbacks for an outlet (Akka's `OutHandler`). */
export interface OutHandler {
  /** Downstream wants an element: `push(outlet, x)` now or later. */
  onPull(): void;
  /** Downstream cancelled. Default: cancel the stage (cancel inlets, complete outlets). */
  onDownstreamFinish?(cause?: unknown): void;
}

/** Thrown when a stage breaks the port protocol (a bug in the stage, not in the data). */
export class StageProtocolError extends Error {
  override readonly name = 'StageProtocolError';
}

/** A stage definition for operator authors: a shape and a factory of logic (Akka's `GraphStage`). */
export abstract class GraphStage<S extends Shape, M = void> implements Graph<S, M> {
  abstract readonly shape: S;
  declare readonly __mat?: M;
  /** @internal The blueprint that materializes this stage (usable in the linear DSL and in `GraphDSL`). */
  get blueprint(): Blueprint {
    return stageBlueprint(this);
  }
  /** The operator name used in graph paths and errors. */
  get name(): string {
    return this.constructor.name;
  }
  /** Creates a fresh logic and materialized value; called once per materialization. */
  abstract createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: M };
}

/** A `GraphStage` without a materialized value: implement `createLogic`. */
export abstract class SimpleGraphStage<S extends Shape> extends GraphStage<S, void> {
  abstract createLogic(ctx: StageContext): GraphStageLogic;
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: this.createLogic(ctx), mat: undefined };
  }
}

type Work = InletPort<any> | OutletPort<any> | (() => void);

/**
 * The running state of one stage (Akka's `GraphStageLogic`): set handlers in the constructor or `preStart`, then
 * use `pull/grab/push/emit/complete/fail`. All callbacks run one at a time: signals that arrive while a handler
 * runs are queued and delivered after it returns, so handlers never re-enter. Timers use the materializer's
 * scheduler (virtual time works); `getAsyncCallback` is the only safe way back in from promises and callbacks.
 *
 * @example
 * class TakeEven extends SimpleGraphStage<FlowShape<number, number>> {
 *   readonly shape = new FlowShape(new Inlet<number>('in'), new Outlet<number>('out'));
 *   createLogic(ctx: StageContext) {
 *     const { in: inlet, out } = this.shape;
 *     return new (class extends GraphStageLogic {
 *       constructor() {
 *         super(ctx, [inlet], [out]);
 *         this.setHandler(inlet, { onPush: () => { const x = this.grab(inlet); x % 2 === 0 ? this.push(out, x) : this.pull(inlet); } });
 *         this.setHandler(out, { onPull: () => this.pull(inlet) });
 *       }
 *     })();
 *   }
 * }
 */
export abstract class GraphStageLogic {
  private readonly queue = new Deque<Work>();
  private readonly inPorts = new Map<Inlet<any>, InletPort<any>>();
  private readonly outPorts = new Map<Outlet<any>, OutletPort<any>>();
  private readonly portBase: number;
  private portsById: (InletPort<any> | OutletPort<any> | undefined)[] | undefined;
  private readonly timers = new Map<unknown, { readonly id: number; readonly subscription: Subscription }>();
  private timerSeq = 0;
  private started = false;
  private running = true;
  private yieldPending = false;
  private processedSinceYield = 0;
  private keepGoing = false;
  private _stopped = false;
  private failure: unknown;
  private subPorts: SubPort[] = [];
  private subPortsPruneAt = 16;

  constructor(
    protected readonly ctx: StageContext,
    inlets: readonly Inlet<any>[],
    outlets: readonly Outlet<any>[],
  ) {
    for (const i of inlets) this.inPorts.set(i, new InletPort(this, i));
    for (const o of outlets) this.outPorts.set(o, new OutletPort(this, o));
    // Ports of one shape have consecutive ids: index them by id for the hot paths (push/pull/grab/isAvailable).
    const ids = [...inlets, ...outlets].map((p) => p.id);
    this.portBase = Math.min(...ids);
    if (ids.length > 0 && Math.max(...ids) - this.portBase < 256) {
      this.portsById = [];
      for (const [i, p] of this.inPorts) this.portsById[i.id - this.portBase] = p;
      for (const [o, p] of this.outPorts) this.portsById[o.id - this.portBase] = p;
    }
  }

  /** Called once after the graph is wired, before any signal is delivered. */
  preStart(): void {}
  /**
   * Called once when the stage has stopped (all ports closed, completed or failed); release resources here. An
   * error thrown here cannot fail the stream any more: it is rethrown from a scheduler task.
   */
  postStop(): void {}
  /** Called when a timer scheduled with `scheduleOnce`/`schedulePeriodically` fires. */
  protected onTimer(_key: unknown): void {}
  /** Buffer counters for observers; buffering stages override. */
  stats(): BufferStats | undefined {
    return undefined;
  }

  /** Installs the handler of an inlet or outlet. */
  setHandler(port: Inlet<any>, handler: InHandler): void;
  setHandler(port: Outlet<any>, handler: OutHandler): void;
  setHandler(port: Inlet<any> | Outlet<any>, handler: InHandler | OutHandler): void {
    const p = this.inPorts.get(port as Inlet<any>) ?? this.outPorts.get(port as Outlet<any>);
    if (!p) throw new StageProtocolError(`${String(port)} is not a port of stage '${this.ctx.name}'`);
    p.handler = handler as never;
  }

  /** Installs one handler for a flow-shaped stage's inlet and outlet. */
  setHandlers(inlet: Inlet<any>, outlet: Outlet<any>, handler: InHandler & OutHandler): void {
    this.setHandler(inlet, handler);
    this.setHandler(outlet, handler);
  }

  // ---- inlets ---------------------------------------------------------------------------------------------

  /** Requests one element from `inlet`; `onPush` follows when it arrives. */
  pull(inlet: Inlet<any>): void {
    const p = this.inlet(inlet);
    if (p.closed) throw new StageProtocolError(`cannot pull closed ${String(inlet)} in stage '${this.ctx.name}'`);
    if (p.pulled || p.available) {
      throw new StageProtocolError(`cannot pull ${String(inlet)} twice in stage '${this.ctx.name}'`);
    }
    p.pulled = true;
    p.upstream.onDemand();
  }

  /** Pulls unless the inlet is closed or already pulled. */
  tryPull(inlet: Inlet<any>): void {
    const p = this.inlet(inlet);
    if (!p.closed && !p.pulled && !p.available) this.pull(inlet);
  }

  /** Takes the element that arrived on `inlet`. */
  grab<T>(inlet: Inlet<T>): T {
    const p = this.inlet(inlet);
    if (!p.available) throw new StageProtocolError(`no element to grab on ${String(inlet)} in stage '${this.ctx.name}'`);
    p.available = false;
    const element = p.element as T;
    p.element = undefined;
    return element;
  }

  /** Whether `inlet` has an element to grab, or `outlet` has been pulled and not pushed yet. */
  isAvailable(port: Inlet<any> | Outlet<any>): boolean {
    return this.port(port).available;
  }

  /** Whether `inlet` was pulled and its element has not arrived yet. */
  hasBeenPulled(inlet: Inlet<any>): boolean {
    return this.inlet(inlet).pulled;
  }

  /** Whether the port is closed (inlet: upstream finished or we cancelled; outlet: completed or cancelled). */
  isClosed(port: Inlet<any> | Outlet<any>): boolean {
    return this.port(port).closed;
  }

  /** Cancels `inlet`: upstream stops sending. */
  cancel(inlet: Inlet<any>, cause: unknown = new NoMoreElementsNeeded()): void {
    const p = this.inlet(inlet);
    if (p.closed) return;
    p.closed = true;
    p.pulled = false;
    p.upstream.cancel(cause);
  }

  // ---- outlets --------------------------------------------------------------------------------------------

  /** Pushes `element` to `outlet`; allowed only when the outlet is available (pulled). */
  push<T>(outlet: Outlet<T>, element: T): void {
    const p = this.outlet(outlet);
    if (p.closed) throw new StageProtocolError(`cannot push to closed ${String(outlet)} in stage '${this.ctx.name}'`);
    if (!p.available) {
      throw new StageProtocolError(`cannot push to ${String(outlet)} before it is pulled in stage '${this.ctx.name}'`);
    }
    p.available = false;
    p.downstream.onNext(element);
    if (!p.closed && p.downstream.hasDemand()) this.signalPull(p);
  }

  /** Pushes now if possible, otherwise queues the element and pushes it on the next pull (Akka's `emit`). */
  emit<T>(outlet: Outlet<T>, element: T): void {
    const p = this.outlet(outlet);
    if (p.closed) return;
    if (p.available && p.pending.isEmpty) this.push(outlet, element);
    else p.pending.push(element);
  }

  /** `emit` for each element in order. */
  emitMultiple<T>(outlet: Outlet<T>, elements: Iterable<T>): void {
    for (const e of elements) this.emit(outlet, e);
  }

  /** Elements queued by `emit` and not yet pushed on `outlet`. */
  pendingEmits(outlet: Outlet<any>): number {
    return this.outlet(outlet).pending.size;
  }

  /** Completes `outlet` once every element queued by `emit` has been pushed. */
  complete(outlet: Outlet<any>): void {
    const p = this.outlet(outlet);
    if (p.closed) return;
    if (!p.pending.isEmpty) {
      p.completeWhenEmitted = true;
      return;
    }
    p.closed = true;
    p.available = false;
    p.downstream.onComplete();
  }

  /** Fails `outlet` (queued emits are dropped). */
  fail(outlet: Outlet<any>, error: unknown): void {
    const p = this.outlet(outlet);
    if (p.closed) return;
    p.closed = true;
    p.available = false;
    p.pending.clear();
    p.downstream.onError(this.ctx.failure(error));
  }

  // ---- whole stage ----------------------------------------------------------------------------------------

  /** Completes all outlets (after queued emits) and cancels all inlets; the stage then stops. */
  completeStage(): void {
    this.keepGoing = false;
    for (const o of this.outPorts.keys()) this.complete(o);
    for (const i of this.inPorts.keys()) this.cancel(i);
  }

  /** Cancels all inlets with `cause` and completes all outlets (the default reaction to downstream cancelling). */
  cancelStage(cause: unknown = new NoMoreElementsNeeded()): void {
    this.keepGoing = false;
    for (const i of this.inPorts.keys()) this.cancel(i, cause);
    for (const o of this.outPorts.keys()) this.complete(o);
  }

  /** Fails all outlets with `error` (wrapped with this stage's name and path) and cancels all inlets. */
  failStage(error: unknown): void {
    const failure = this.ctx.failure(error);
    this.failure ??= failure;
    this.keepGoing = false;
    for (const p of this.outPorts.values()) {
      if (p.closed) continue;
      p.closed = true;
      p.available = false;
      p.pending.clear();
      p.downstream.onError(failure);
    }
    for (const i of this.inPorts.keys()) this.cancel(i, failure);
    this.checkStopped();
  }

  /**
   * Keeps the stage running after all its ports closed (e.g. to finish an async write). `completeStage`,
   * `cancelStage` and `failStage` end keep-going (the stage stops once its ports are closed), as does
   * `setKeepGoing(false)`.
   */
  setKeepGoing(enabled: boolean): void {
    this.keepGoing = enabled;
    if (!enabled) this.checkStopped();
  }

  /** Whether the stage has stopped. */
  get isStopped(): boolean {
    return this._stopped;
  }

  /** The scheduler's current time in ms (virtual under a test clock). */
  now(): number {
    return this.ctx.scheduler.now();
  }

  // ---- timers ---------------------------------------------------------------------------------------------

  /** Calls `onTimer(key)` once after `delayMs` (replacing a timer with the same key). */
  scheduleOnce(key: unknown, delayMs: number): void {
    this.cancelTimer(key);
    const id = ++this.timerSeq;
    const subscription = this.ctx.scheduler.schedule(() => this.fireTimer(key, id, false), delayMs);
    this.timers.set(key, { id, subscription });
  }

  /** Calls `onTimer(key)` every `intervalMs`, first after `initialDelayMs` (default `intervalMs`). */
  schedulePeriodically(key: unknown, intervalMs: number, initialDelayMs = intervalMs): void {
    this.cancelTimer(key);
    const id = ++this.timerSeq;
    const fire = (): void => this.fireTimer(key, id, true);
    const subscription = this.ctx.scheduler.schedule(function (this: SchedulerAction<unknown>) {
      fire();
      this.schedule(undefined, intervalMs);
    }, initialDelayMs);
    this.timers.set(key, { id, subscription });
  }

  cancelTimer(key: unknown): void {
    const t = this.timers.get(key);
    if (!t) return;
    this.timers.delete(key);
    t.subscription.unsubscribe();
  }

  isTimerActive(key: unknown): boolean {
    return this.timers.has(key);
  }

  private fireTimer(key: unknown, id: number, periodic: boolean): void {
    this.enqueue(() => {
      const t = this.timers.get(key);
      if (!t || t.id !== id) return;
      if (!periodic) this.timers.delete(key);
      this.onTimer(key);
    });
  }

  // ---- async re-entry -------------------------------------------------------------------------------------

  /**
   * Wraps `handler` so it can be called from anywhere (promise callbacks, event emitters): the call is queued and
   * runs like any other stage callback; calls after the stage stopped are ignored.
   */
  getAsyncCallback<T>(handler: (value: T) => void): (value: T) => void {
    return (value: T) => {
      if (this._stopped) return;
      this.enqueue(() => handler(value));
    };
  }

  // ---- engine side ----------------------------------------------------------------------------------------

  /** @internal Registers a sub-stream port to close when the stage stops. */
  registerSubPort(port: SubPort): void {
    // Drop closed ports now and then (amortized O(1)), so a stage that opens sub-streams one after another
    // (flatMapConcat, restarts) holds only the live ones.
    if (this.subPorts.length >= this.subPortsPruneAt) {
      this.subPorts = this.subPorts.filter((p) => !p.isClosed);
      this.subPortsPruneAt = Math.max(16, this.subPorts.length * 2);
    }
    this.subPorts.push(port);
  }

  /** @internal Materializes a sub-stream of this stage (paths nest under this stage's path). */
  materializeSub(blueprint: Blueprint): unknown {
    return materialize(blueprint, this.ctx.materializer, this.ctx.path);
  }

  /** @internal The protocol ports of `inlet`/`outlet` for wiring. */
  inPort<T>(inlet: Inlet<T>): InPort<T> {
    return this.inlet(inlet);
  }
  /** @internal */
  outPort<T>(outlet: Outlet<T>): OutPort<T> {
    return this.outlet(outlet);
  }

  /** @internal Starts the logic once the graph is wired. */
  start(): void {
    this.started = true;
    try {
      this.preStart();
    } catch (e) {
      this.failStage(e);
    }
    for (const p of this.outPorts.values()) if (!p.closed && p.downstream.hasDemand()) this.signalPull(p);
    this.running = false;
    this.run();
    this.checkStopped();
  }

  /** @internal */
  enqueue(work: Work): void {
    if (this._stopped) return;
    this.queue.push(work);
    this.run();
  }

  /** @internal */
  signalPull(p: OutletPort<any>): void {
    if (p.pullQueued) return;
    p.pullQueued = true;
    this.enqueue(p);
  }

  private run(): void {
    if (this.running || !this.started || this.yieldPending) return;
    this.running = true;
    const limit = this.ctx.materializer.syncLimit;
    try {
      while (!this.queue.isEmpty && !this._stopped) {
        // Counted across runs: a chain of promise callbacks (microtasks) would otherwise never let timers and I/O in.
        if (++this.processedSinceYield > limit) {
          this.yieldPending = true;
          this.ctx.materializer.yieldTo(() => {
            this.yieldPending = false;
            this.processedSinceYield = 0;
            this.run();
          });
          break;
        }
        const work = this.queue.shift()!;
        try {
          if (typeof work === 'function') work();
          else work.process();
        } catch (e) {
          this.failStage(e);
        }
        this.checkStopped();
      }
    } finally {
      this.running = false;
    }
  }

  private checkStopped(): void {
    if (this._stopped || this.keepGoing || !this.started) return;
    for (const p of this.inPorts.values()) if (!p.closed) return;
    for (const p of this.outPorts.values()) if (!p.closed) return;
    this.stop();
  }

  private stop(): void {
    this._stopped = true;
    for (const t of this.timers.values()) t.subscription.unsubscribe();
    this.timers.clear();
    this.queue.clear();
    for (const p of this.subPorts) if (!p.isClosed) p.closeWithStage(this.failure);
    try {
      this.postStop();
    } catch (e) {
      reportUncaught(this.ctx.scheduler, this.ctx.failure(e)); // the stream has ended: nothing left to fail
    }
    this.ctx.stopped();
  }

  private port(port: Inlet<any> | Outlet<any>): InletPort<any> | OutletPort<any> {
    const p = this.portsById?.[port.id - this.portBase];
    if (p !== undefined && p.key === port) return p;
    const found = this.inPorts.get(port as Inlet<any>) ?? this.outPorts.get(port as Outlet<any>);
    if (!found) throw new StageProtocolError(`${String(port)} is not a port of stage '${this.ctx.name}'`);
    return found;
  }

  private inlet<T>(inlet: Inlet<T>): InletPort<T> {
    const p = this.portsById?.[inlet.id - this.portBase];
    if (p !== undefined && p.key === inlet) return p as InletPort<T>;
    const found = this.inPorts.get(inlet);
    if (!found) throw new StageProtocolError(`${String(inlet)} is not an inlet of stage '${this.ctx.name}'`);
    return found;
  }

  private outlet<T>(outlet: Outlet<T>): OutletPort<T> {
    const p = this.portsById?.[outlet.id - this.portBase];
    if (p !== undefined && p.key === outlet) return p as OutletPort<T>;
    const found = this.outPorts.get(outlet);
    if (!found) throw new StageProtocolError(`${String(outlet)} is not an outlet of stage '${this.ctx.name}'`);
    return found;
  }
}

const defaultInHandler = (logic: GraphStageLogic): Required<Omit<InHandler, 'onPush'>> => ({
  onUpstreamFinish: () => logic.completeStage(),
  onUpstreamFailure: (e) => logic.failStage(e),
});

/** @internal The protocol end of an inlet. */
class InletPort<T> implements InPort<T> {
  upstream!: Upstream;
  handler: InHandler | undefined;
  pulled = false;
  available = false;
  element: T | undefined;
  closed = false;
  private pushPending = false;
  private finishPending = false;
  private failPending = false;
  private failure: unknown;

  constructor(
    private readonly logic: GraphStageLogic,
    readonly inlet: Inlet<T>,
  ) {}

  /** The shape port this runtime port belongs to. */
  get key(): Inlet<T> {
    return this.inlet;
  }

  attachUpstream(upstream: Upstream): void {
    this.upstream = upstream;
  }
  hasDemand(): boolean {
    return this.pulled;
  }
  onNext(element: T): void {
    // An element that raced our cancel (its upstream had been pulled and had not yet seen the cancel) is dropped.
    if (this.closed) return;
    if (!this.pulled) throw new StageProtocolError(`element pushed to ${String(this.inlet)} without demand`);
    this.pulled = false;
    this.available = true;
    this.element = element;
    this.pushPending = true;
    this.logic.enqueue(this);
  }
  onComplete(): void {
    this.finishPending = true;
    this.logic.enqueue(this);
  }
  onError(error: unknown): void {
    this.failPending = true;
    this.failure = error;
    this.logic.enqueue(this);
  }

  process(): void {
    const h = this.handler;
    if (this.pushPending) {
      this.pushPending = false;
      if (!this.closed) {
        if (!h) throw new StageProtocolError(`no handler for ${String(this.inlet)}`);
        h.onPush();
      }
      // onPush pulled and upstream answered at once with an element (and maybe its completion): both are handled
      // by the process call they queued, in order, so the completion cannot overtake the element.
      if (this.pushPending) return;
    }
    if (this.finishPending || this.failPending) {
      const failed = this.failPending;
      this.finishPending = this.failPending = false;
      if (this.closed) return;
      this.closed = true;
      this.pulled = false;
      const defaults = defaultInHandler(this.logic);
      if (failed) (h?.onUpstreamFailure ?? defaults.onUpstreamFailure).call(h, this.failure);
      else (h?.onUpstreamFinish ?? defaults.onUpstreamFinish).call(h);
    }
  }
}

/** @internal The protocol end of an outlet. */
class OutletPort<T> implements OutPort<T> {
  downstream!: Downstream<T>;
  handler: OutHandler | undefined;
  available = false;
  closed = false;
  pullQueued = false;
  completeWhenEmitted = false;
  readonly pending = new Deque<T>();
  private cancelPending = false;
  private cancelCause: unknown;

  constructor(
    private readonly logic: GraphStageLogic,
    readonly outlet: Outlet<T>,
  ) {}

  /** The shape port this runtime port belongs to. */
  get key(): Outlet<T> {
    return this.outlet;
  }

  attachDownstream(downstream: Downstream<T>): void {
    this.downstream = downstream;
  }
  onDemand(): void {
    if (!this.closed && !this.available) this.logic.signalPull(this);
  }
  cancel(cause?: unknown): void {
    if (this.cancelPending) return;
    this.cancelPending = true;
    this.cancelCause = cause;
    this.logic.enqueue(this);
  }

  process(): void {
    if (this.pullQueued) {
      this.pullQueued = false;
      if (!this.closed && !this.available && !this.cancelPending && this.downstream.hasDemand()) {
        this.available = true;
        if (!this.pending.isEmpty) {
          this.logic.push(this.outlet, this.pending.shift()!);
          if (this.pending.isEmpty && this.completeWhenEmitted) this.logic.complete(this.outlet);
        } else {
          if (!this.handler) throw new StageProtocolError(`no handler for ${String(this.outlet)}`);
          this.handler.onPull();
        }
      }
    }
    if (this.cancelPending && !this.closed) {
      this.closed = true;
      this.available = false;
      this.pending.clear();
      const cause = this.cancelCause;
      if (this.handler?.onDownstreamFinish) this.handler.onDownstreamFinish(cause);
      else this.logic.cancelStage(cause instanceof StageFailure ? cause : cause ?? new NoMoreElementsNeeded());
    }
  }
}
