import type { ObservableInput, Unsubscribable } from 'rxjs';
import type { Blueprint, StageContext } from '../../core/blueprint';
import { firstValue } from '../../core/first-value';
import type { BufferStats } from '../../core/materializer';
import { RingBuffer } from '../../core/ring-buffer';
import { requireFunction, requirePositiveInt } from '../../core/validate';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Inlet, Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';

const inlet = new Inlet<any>('mapAsyncPartitioned.in');
const outlet = new Outlet<any>('mapAsyncPartitioned.out');

const WAITING = 0; // its key has a call in flight
const RUNNING = 1;
const DONE = 2;
const DROPPED = 3; // failed and resumed by supervision

interface Slot<In, K, Out> {
  state: number;
  element: In | undefined;
  readonly key: K;
  value: Out | undefined;
  handle: Unsubscribable | undefined;
}

/**
 * `mapAsyncPartitioned`: elements wait in a ring buffer of `parallelism` slots in input order; each key has at most
 * one call in flight (the next element of a key starts when the previous call settled), and results leave in
 * input order. `parallelism` bounds waiting + running + finished-but-not-emitted elements together.
 */
class MapAsyncPartitionedLogic<In, K, Out> extends GraphStageLogic implements BufferStats {
  private readonly slots: RingBuffer<Slot<In, K, Out>>;
  /** Keys with a call in flight. */
  private readonly busy = new Set<K>();
  private calls = 0;
  private _peak = 0;

  constructor(
    ctx: StageContext,
    readonly capacity: number,
    private readonly partition: (element: In) => K,
    private readonly f: (element: In, key: K) => ObservableInput<Out>,
  ) {
    super(ctx, [inlet], [outlet]);
    this.slots = new RingBuffer(capacity);
    this.setHandler(inlet, {
      onPush: () => this.accept(this.grab(inlet)),
      onUpstreamFinish: () => this.completeIfDone(),
    });
    this.setHandler(outlet, { onPull: () => this.pushReady() });
  }

  get inFlight(): number {
    return this.calls;
  }
  get buffered(): number {
    return this.slots.size - this.calls;
  }
  get peak(): number {
    return this._peak;
  }
  get demand(): number {
    return this.capacity - this.slots.size;
  }
  override stats(): BufferStats {
    return this;
  }

  override preStart(): void {
    this.pull(inlet);
  }

  override postStop(): void {
    while (!this.slots.isEmpty) this.slots.shift().handle?.unsubscribe();
  }

  private accept(element: In): void {
    let key: K;
    try {
      key = this.partition(element);
    } catch (e) {
      if (this.resumes(e)) this.pullIfRoom();
      return;
    }
    const slot: Slot<In, K, Out> = { state: WAITING, element, key, value: undefined, handle: undefined };
    this.slots.push(slot);
    if (this.slots.size > this._peak) this._peak = this.slots.size;
    if (!this.busy.has(key)) this.call(slot);
    this.pullIfRoom();
  }

  private call(slot: Slot<In, K, Out>): void {
    slot.state = RUNNING;
    this.busy.add(slot.key);
    this.calls++;
    let input: ObservableInput<Out>;
    try {
      input = this.f(slot.element as In, slot.key);
    } catch (e) {
      this.settle(slot, { error: e });
      return;
    }
    slot.handle = firstValue(
      input,
      this.getAsyncCallback<Out>((value) => this.settle(slot, { value })),
      this.getAsyncCallback<unknown>((error) => this.settle(slot, { error })),
    );
  }

  /** A call finished: record the outcome, start the key's next element, emit what is ready. */
  private settle(slot: Slot<In, K, Out>, outcome: { readonly value: Out } | { readonly error: unknown }): void {
    if (slot.state !== RUNNING) return;
    this.calls--;
    this.busy.delete(slot.key);
    slot.element = undefined;
    slot.handle = undefined;
    if ('error' in outcome) {
      if (!this.resumes(outcome.error)) return;
      slot.state = DROPPED;
    } else {
      slot.state = DONE;
      slot.value = outcome.value;
    }
    this.runNext(slot.key);
    this.pushReady();
  }

  private runNext(key: K): void {
    for (let i = 0; i < this.slots.size; i++) {
      const slot = this.slots.at(i);
      if (slot.state === WAITING && sameKey(slot.key, key)) {
        this.call(slot);
        return;
      }
    }
  }

  /** Applies supervision to a failed call or partition: true to drop the element and go on. */
  private resumes(error: unknown): boolean {
    if (this.ctx.decide(error) !== 'stop') return true;
    this.failStage(error);
    return false;
  }

  private pushReady(): void {
    if (this.isStopped) return;
    while (!this.slots.isEmpty) {
      const head = this.slots.peek();
      if (head.state === DROPPED) this.slots.shift();
      else if (head.state === DONE && this.isAvailable(outlet)) {
        this.slots.shift();
        this.push(outlet, head.value as Out);
      } else break;
    }
    this.pullIfRoom();
    this.completeIfDone();
  }

  private pullIfRoom(): void {
    if (!this.isStopped && !this.slots.isFull) this.tryPull(inlet);
  }

  private completeIfDone(): void {
    if (this.isClosed(inlet) && this.slots.isEmpty) this.completeStage();
  }
}

/** Key equality of `Set`/`Map` (SameValueZero), so `runNext` agrees with `busy`. */
function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

/** @internal `mapAsyncPartitioned(parallelism, partition, f)` (supervised: resume and restart drop the element). */
export function mapAsyncPartitioned<In, K, Out>(
  parallelism: number,
  partition: (element: In) => K,
  f: (element: In, key: K) => ObservableInput<Out>,
): Blueprint {
  requirePositiveInt('mapAsyncPartitioned', 'parallelism', parallelism);
  requireFunction('mapAsyncPartitioned', 'partition', partition);
  requireFunction('mapAsyncPartitioned', 'f', f);
  return logicBlueprint(
    'mapAsyncPartitioned',
    (ctx) => new MapAsyncPartitionedLogic(ctx, parallelism, partition, f),
    inlet,
    outlet,
  );
}
