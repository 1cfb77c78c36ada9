import type { StageContext } from '../core/blueprint';
import { BufferCounters } from '../core/buffer-counters';
import type { BufferStats } from '../core/materializer';
import { RingBuffer } from '../core/ring-buffer';
import { requirePositiveInt } from '../core/validate';
import type { NotUsed } from '../dsl/keep';
import { Sink } from '../dsl/sink';
import { Source } from '../dsl/source';
import { Inlet } from '../stage/shape';
import { logicBlueprint } from '../stage/stage-blueprint';
import { ConsumerHubLogic, consumerSource, type ConsumerPeer } from './consumer-source';

const inlet = new Inlet<any>('BroadcastHub.in');

interface Consumer<T> {
  readonly id: number;
  readonly peer: ConsumerPeer<T>;
  /** Sequence number of the next element it gets. */
  offset: number;
  pulled: boolean;
}

/**
 * One ring buffer shared by all consumers, each reading at its own offset. The oldest element is dropped once
 * every consumer has read it (never while there are no consumers), and upstream is pulled only while the buffer
 * has room: the slowest consumer sets the pace.
 */
class BroadcastHubLogic<T> extends ConsumerHubLogic<T> {
  private readonly buffer: RingBuffer<T>;
  /** Sequence number of the oldest buffered element. */
  private head = 0;
  private readonly consumers = new Map<number, Consumer<T>>();
  /** Consumers whose offset is `head` (the buffer's oldest element can go when none is left). */
  private atHead = 0;
  private readonly counters: BufferCounters;

  constructor(ctx: StageContext, capacity: number) {
    super(ctx, [inlet], []);
    this.buffer = new RingBuffer<T>(capacity);
    this.counters = new BufferCounters(capacity, () => this.buffer.size);
    this.setHandler(inlet, {
      onPush: () => {
        this.buffer.push(this.grab(inlet));
        this.counters.sample();
        for (const c of this.consumers.values()) if (c.pulled) this.serve(c);
        this.pullIfRoom();
      },
      onUpstreamFinish: () => {
        for (const c of [...this.consumers.values()]) if (c.offset === this.tail) this.finish(c);
        this.setKeepGoing(this.consumers.size > 0); // until every consumer has drained the buffer
      },
    });
  }

  override stats(): BufferStats {
    return this.counters;
  }

  override preStart(): void {
    this.pull(inlet);
  }

  protected onAttach(id: number, peer: ConsumerPeer<T>): void {
    this.consumers.set(id, { id, peer, offset: this.head, pulled: false });
    this.atHead++;
  }

  protected onConsumerPull(id: number): void {
    const c = this.consumers.get(id)!;
    c.pulled = true;
    this.serve(c);
  }

  protected onDetach(id: number): void {
    const c = this.consumers.get(id)!;
    this.consumers.delete(id);
    if (c.offset === this.head) this.leftHead();
    this.stopIfDrained();
  }

  /** Sequence number of the next element to arrive. */
  private get tail(): number {
    return this.head + this.buffer.size;
  }

  private serve(c: Consumer<T>): void {
    if (c.offset === this.tail) return;
    c.pulled = false;
    c.peer.push(this.buffer.at(c.offset - this.head));
    if (c.offset++ === this.head) this.leftHead();
    if (c.offset === this.tail && this.isClosed(inlet)) this.finish(c);
  }

  /** Completes a consumer that has read everything after upstream finished. */
  private finish(c: Consumer<T>): void {
    this.consumers.delete(c.id);
    if (c.offset === this.head) this.leftHead();
    this.release(c.id);
    this.stopIfDrained();
  }

  /** A consumer moved past (or away from) the oldest element: drop elements nobody needs any more. */
  private leftHead(): void {
    if (--this.atHead > 0 || this.consumers.size === 0) return;
    while (this.atHead === 0 && !this.buffer.isEmpty) {
      this.buffer.shift();
      this.head++;
      for (const c of this.consumers.values()) if (c.offset === this.head) this.atHead++;
    }
    this.pullIfRoom();
  }

  private pullIfRoom(): void {
    if (!this.buffer.isFull && !this.isClosed(inlet)) this.tryPull(inlet);
  }

  private stopIfDrained(): void {
    if (this.isClosed(inlet) && this.consumers.size === 0) this.setKeepGoing(false);
  }
}

/**
 * Dynamic fan-out (Akka's `BroadcastHub`): a sink whose materialized value is a source that any number of
 * consumers materialize, at any time, each in its own stream; every consumer gets every element from the moment
 * it attached.
 */
export const BroadcastHub = {
  /**
   * A sink that broadcasts its elements to every running materialization of its materialized source. Elements
   * wait in one ring buffer of `bufferSize` until every consumer has taken them, so the slowest consumer sets the
   * pace; with no consumer at all the buffer fills and then backpressures (nothing is dropped). A new consumer
   * starts at the oldest buffered element. Reports `BufferStats` (stage `BroadcastHub`).
   * - Backpressures when: the buffer is full (the slowest consumer has not taken its oldest element).
   * - Completes when: upstream completed and every consumer has drained the buffer (each consumer completes after
   *   its last element; consumers attaching after that complete at once).
   * - Fails when: upstream fails: every consumer (and every later one) fails with that error.
   * - A consumer cancelling only detaches it; the hub goes on.
   * @example
   * const events = Source.from(changes).runWith(BroadcastHub.sink<Change>(256));
   * events.runWith(Sink.forEach(audit)); events.filter(isInsert).runWith(Sink.forEach(index));
   */
  sink<T>(bufferSize = 256): Sink<T, Source<T, NotUsed>> {
    requirePositiveInt('BroadcastHub.sink', 'bufferSize', bufferSize);
    return new Sink<T, Source<T, NotUsed>>(
      logicBlueprint(
        'BroadcastHub',
        (ctx) => {
          const logic = new BroadcastHubLogic<T>(ctx, bufferSize);
          return { logic, mat: new Source<T, NotUsed>(consumerSource('BroadcastHub.consumer', logic.endpoint)) };
        },
        inlet,
      ),
    );
  },
};
