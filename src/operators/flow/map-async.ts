import type { ObservableInput, Unsubscribable } from 'rxjs';
import type { StageContext } from '../../core/blueprint';
import { firstValue } from '../../core/first-value';
import type { BufferStats } from '../../core/materializer';
import { RingBuffer } from '../../core/ring-buffer';
import { requireFunction, requirePositiveInt } from '../../core/validate';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Inlet, Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';
import type { Blueprint } from '../../core/blueprint';

const inlet = new Inlet<any>('mapAsync.in');
const outlet = new Outlet<any>('mapAsync.out');

const PENDING = 0;
const DONE = 1;
const DROPPED = 2;

interface Slot<T> {
  state: number;
  value: T | undefined;
  handle: Unsubscribable | undefined;
}

/**
 * Shared by `mapAsync` (ordered) and `mapAsyncUnordered`: up to `parallelism` calls in flight; results wait in a
 * ring buffer of the same size. Counts `inFlight` (calls not resolved) and `buffered` (results not yet pushed).
 */
export class MapAsyncLogic<In, Out> extends GraphStageLogic implements BufferStats {
  private readonly slots: RingBuffer<Slot<Out>>;
  private readonly ready: RingBuffer<Out> | undefined;
  private readonly active = new Set<Slot<Out>>();
  private pending = 0;
  private _peak = 0;

  constructor(
    ctx: StageContext,
    readonly capacity: number,
    private readonly f: (element: In) => ObservableInput<Out>,
    private readonly ordered: boolean,
  ) {
    super(ctx, [inlet], [outlet]);
    this.slots = new RingBuffer(capacity);
    this.ready = ordered ? undefined : new RingBuffer<Out>(capacity);
    this.setHandler(inlet, {
      onPush: () => this.start1(this.grab(inlet)),
      onUpstreamFinish: () => this.completeIfDone(),
    });
    this.setHandler(outlet, { onPull: () => this.pushReady() });
  }

  get inFlight(): number {
    return this.pending;
  }
  get buffered(): number {
    return this.ordered ? this.slots.size - this.pending : this.ready!.size;
  }
  get peak(): number {
    return this._peak;
  }
  get demand(): number {
    return this.capacity - this.occupancy();
  }
  override stats(): BufferStats {
    return this;
  }

  override preStart(): void {
    this.pull(inlet);
  }

  override postStop(): void {
    while (!this.slots.isEmpty) this.slots.shift().handle?.unsubscribe();
    for (const slot of this.active) slot.handle?.unsubscribe();
    this.active.clear();
  }

  private start1(element: In): void {
    const slot: Slot<Out> = { state: PENDING, value: undefined, handle: undefined };
    let input: ObservableInput<Out>;
    try {
      input = this.f(element);
    } catch (e) {
      this.onFailure(slot, e);
      this.pullIfRoom();
      return;
    }
    if (this.ordered) this.slots.push(slot);
    else this.active.add(slot);
    this.pending++;
    const total = this.pending + this.buffered;
    if (total > this._peak) this._peak = total;
    slot.handle = firstValue(
      input,
      this.getAsyncCallback<Out>((v) => this.onResult(slot, v)),
      this.getAsyncCallback<unknown>((e) => {
        this.pending--;
        this.onFailure(slot, e);
        this.pushReady();
      }),
    );
    this.pullIfRoom();
  }

  private onResult(slot: Slot<Out>, value: Out): void {
    this.pending--;
    slot.state = DONE;
    slot.value = value;
    slot.handle = undefined;
    if (!this.ordered) {
      this.active.delete(slot);
      this.ready!.push(value);
    }
    this.pushReady();
  }

  private onFailure(slot: Slot<Out>, error: unknown): void {
    const directive = this.ctx.decide(error);
    if (directive === 'stop') {
      this.failStage(error);
      return;
    }
    slot.state = DROPPED;
    this.active.delete(slot);
  }

  private pushReady(): void {
    if (this.ordered) {
      while (!this.slots.isEmpty && this.slots.peek().state !== PENDING) {
        const head = this.slots.peek();
        if (head.state === DROPPED) {
          this.slots.shift();
          continue;
        }
        if (!this.isAvailable(outlet)) break;
        this.slots.shift();
        this.push(outlet, head.value as Out);
      }
    } else {
      while (!this.ready!.isEmpty && this.isAvailable(outlet)) this.push(outlet, this.ready!.shift());
    }
    this.pullIfRoom();
    this.completeIfDone();
  }

  private pullIfRoom(): void {
    if (this.isStopped || this.isClosed(inlet) || this.hasBeenPulled(inlet) || this.isAvailable(inlet)) return;
    if (this.occupancy() < this.capacity) this.pull(inlet);
  }

  private completeIfDone(): void {
    if (this.isClosed(inlet) && this.occupancy() === 0) this.completeStage();
  }

  /** Calls in flight plus results waiting to be pushed. */
  private occupancy(): number {
    return this.ordered ? this.slots.size : this.active.size + this.ready!.size;
  }
}

/** @internal `mapAsync(parallelism, f)` (ordered, supervised). */
export function mapAsync<In, Out>(parallelism: number, f: (element: In) => ObservableInput<Out>): Blueprint {
  requirePositiveInt('mapAsync', 'parallelism', parallelism);
  requireFunction('mapAsync', 'f', f);
  return logicBlueprint('mapAsync', (ctx) => new MapAsyncLogic(ctx, parallelism, f, true), inlet, outlet);
}

/** @internal Ports shared with `mapAsyncUnordered`. */
export const mapAsyncPorts = { inlet, outlet };
