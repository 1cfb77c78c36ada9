import type { ObservableInput, Unsubscribable } from 'rxjs';
import type { Blueprint, StageContext } from '../../core/blueprint';
import { firstValue } from '../../core/first-value';
import { BufferCounters } from '../../core/buffer-counters';
import { RingBuffer } from '../../core/ring-buffer';
import { requireFunction, requirePositiveInt } from '../../core/validate';
import { flowLogicBlueprint } from './flow-logic';
import { ParallelLogic } from './parallel-logic';

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
export class MapAsyncLogic<In, Out> extends ParallelLogic<In, Out> {
  private readonly slots: RingBuffer<Slot<Out>>;
  private readonly ready: RingBuffer<Out> | undefined;
  private readonly active = new Set<Slot<Out>>();
  private pending = 0;

  constructor(
    ctx: StageContext,
    capacity: number,
    private readonly f: (element: In) => ObservableInput<Out>,
    private readonly ordered: boolean,
  ) {
    // Results not yet pushed (buffered) and calls not resolved (in flight).
    const results = (): number => (ordered ? this.slots.size - this.pending : this.ready!.size);
    super(ctx, new BufferCounters(capacity, results, () => this.pending));
    this.slots = new RingBuffer(capacity);
    this.ready = ordered ? undefined : new RingBuffer<Out>(capacity);
  }

  override postStop(): void {
    while (!this.slots.isEmpty) this.slots.shift().handle?.unsubscribe();
    for (const slot of this.active) slot.handle?.unsubscribe();
    this.active.clear();
  }

  /** Calls `f` for the element and registers the call (a throw or a bad result is supervised at once). */
  protected override onElement(element: In): void {
    const slot: Slot<Out> = { state: PENDING, value: undefined, handle: undefined };
    try {
      // The callbacks run later (queued), after the slot was registered below.
      slot.handle = firstValue(
        this.f(element),
        this.getAsyncCallback<Out>((v) => this.onResult(slot, v)),
        this.getAsyncCallback<unknown>((e) => {
          this.pending--;
          this.onFailure(slot, e);
          this.pushReady();
        }),
      );
    } catch (e) {
      // `f` threw, or returned something that is not an ObservableInput: supervised like a failed call.
      this.onFailure(slot, e);
      this.pullIfRoom();
      return;
    }
    if (this.ordered) this.slots.push(slot);
    else this.active.add(slot);
    this.pending++;
    this.counters.sample();
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

  protected pushReady(): void {
    if (this.ordered) {
      while (!this.slots.isEmpty && this.slots.peek().state !== PENDING) {
        const head = this.slots.peek();
        if (head.state === DROPPED) {
          this.slots.shift();
          continue;
        }
        if (!this.isAvailable(this.out)) break;
        this.slots.shift();
        this.push(this.out, head.value as Out);
      }
    } else {
      while (!this.ready!.isEmpty && this.isAvailable(this.out)) this.push(this.out, this.ready!.shift());
    }
    this.pullIfRoom();
    this.completeIfDone();
  }
}

/** @internal `mapAsync(parallelism, f)` (ordered, supervised). */
export function mapAsync<In, Out>(parallelism: number, f: (element: In) => ObservableInput<Out>): Blueprint {
  requirePositiveInt('mapAsync', 'parallelism', parallelism);
  requireFunction('mapAsync', 'f', f);
  return flowLogicBlueprint('mapAsync', (ctx) => new MapAsyncLogic(ctx, parallelism, f, true));
}
