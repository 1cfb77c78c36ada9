import type { ObservableInput, Unsubscribable } from 'rxjs';
import type { Blueprint, StageContext } from '../../core/blueprint';
import { firstValue } from '../../core/first-value';
import { BufferCounters } from '../../core/buffer-counters';
import { RingBuffer } from '../../core/ring-buffer';
import { requireFunction, requirePositiveInt } from '../../core/validate';
import { flowLogicBlueprint } from './flow-logic';
import { ParallelLogic } from './parallel-logic';

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
class MapAsyncPartitionedLogic<In, K, Out> extends ParallelLogic<In, Out> {
  private readonly slots: RingBuffer<Slot<In, K, Out>>;
  /** Keys with a call in flight. */
  private readonly busy = new Set<K>();
  private calls = 0;

  constructor(
    ctx: StageContext,
    capacity: number,
    private readonly partition: (element: In) => K,
    private readonly f: (element: In, key: K) => ObservableInput<Out>,
  ) {
    super(ctx, new BufferCounters(capacity, () => this.slots.size - this.calls, () => this.calls));
    this.slots = new RingBuffer(capacity);
  }

  override postStop(): void {
    while (!this.slots.isEmpty) this.slots.shift().handle?.unsubscribe();
  }

  /** Queues the element in input order and calls `f` for it unless its key has a call in flight. */
  protected override onElement(element: In): void {
    let key: K;
    try {
      key = this.partition(element);
    } catch (e) {
      if (this.resumes(e)) this.pullIfRoom();
      return;
    }
    const slot: Slot<In, K, Out> = { state: WAITING, element, key, value: undefined, handle: undefined };
    this.slots.push(slot);
    this.counters.sample();
    if (!this.busy.has(key)) this.call(slot);
    this.pullIfRoom();
  }

  private call(slot: Slot<In, K, Out>): void {
    slot.state = RUNNING;
    this.busy.add(slot.key);
    this.calls++;
    try {
      slot.handle = firstValue(
        this.f(slot.element as In, slot.key),
        this.getAsyncCallback<Out>((value) => this.settle(slot, { value })),
        this.getAsyncCallback<unknown>((error) => this.settle(slot, { error })),
      );
    } catch (e) {
      this.settle(slot, { error: e }); // `f` threw or returned something that is not an ObservableInput
    }
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

  protected pushReady(): void {
    if (this.isStopped) return;
    while (!this.slots.isEmpty) {
      const head = this.slots.peek();
      if (head.state === DROPPED) this.slots.shift();
      else if (head.state === DONE && this.isAvailable(this.out)) {
        this.slots.shift();
        this.push(this.out, head.value as Out);
      } else break;
    }
    this.pullIfRoom();
    this.completeIfDone();
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
  return flowLogicBlueprint('mapAsyncPartitioned', (ctx) => new MapAsyncPartitionedLogic(ctx, parallelism, partition, f));
}
