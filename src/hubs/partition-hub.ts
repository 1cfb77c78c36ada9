import type { StageContext } from '../core/blueprint';
import { BufferCounters } from '../core/buffer-counters';
import { Deque } from '../core/deque';
import type { BufferStats } from '../core/materializer';
import { requireFunction, requireNonNegativeInt, requirePositiveInt } from '../core/validate';
import type { NotUsed } from '../dsl/keep';
import { Sink } from '../dsl/sink';
import { Source } from '../dsl/source';
import { Inlet } from '../stage/shape';
import { logicBlueprint } from '../stage/stage-blueprint';
import { ConsumerHubLogic, consumerSource, type ConsumerPeer } from './consumer-source';

const inlet = new Inlet<any>('PartitionHub.in');

interface Consumer<T> {
  readonly id: number;
  readonly peer: ConsumerPeer<T>;
  readonly queue: Deque<T>;
  pulled: boolean;
}

/**
 * Routes each element to one consumer chosen by the partitioner, once `startAfter` consumers attached. All queues
 * together (per-consumer queues and elements not routed yet) hold at most `capacity` elements; upstream is pulled
 * only while there is room, so a slow consumer whose queue fills the buffer sets the pace.
 */
class PartitionHubLogic<T> extends ConsumerHubLogic<T> {
  /** Attached consumers in attach order: the partitioner's index. */
  private consumers: Consumer<T>[] = [];
  /** Elements not routed yet (before the start, or while no consumer is attached). */
  private readonly unrouted = new Deque<T>();
  private total = 0;
  private routing = false;
  private readonly counters: BufferCounters;

  constructor(
    ctx: StageContext,
    private readonly partitioner: (consumers: number, element: T) => number,
    private readonly startAfter: number,
    private readonly capacity: number,
  ) {
    super(ctx, [inlet], []);
    this.counters = new BufferCounters(capacity, () => this.total);
    this.setHandler(inlet, {
      onPush: () => {
        this.unrouted.push(this.grab(inlet));
        this.total++;
        this.counters.sample();
        this.route();
        this.pullIfRoom();
      },
      onUpstreamFinish: () => {
        for (const c of [...this.consumers]) this.completeIfDrained(c);
        this.stopIfDrained();
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
    this.consumers.push({ id, peer, queue: new Deque<T>(), pulled: false });
    if (this.consumers.length >= this.startAfter) this.routing = true;
    this.route();
  }

  protected onConsumerPull(id: number): void {
    const c = this.consumers.find((x) => x.id === id)!;
    c.pulled = true;
    if (!c.queue.isEmpty) this.send(c, c.queue.shift()!);
    else this.completeIfDrained(c);
  }

  /** A consumer left: its queued elements are routed again among the others (or wait for the next consumer). */
  protected onDetach(id: number): void {
    const c = this.consumers.find((x) => x.id === id)!;
    this.consumers = this.consumers.filter((x) => x !== c);
    while (!c.queue.isEmpty) this.unrouted.push(c.queue.shift()!);
    this.route();
    this.stopIfDrained();
  }

  private route(): void {
    const n = this.consumers.length;
    if (!this.routing || n === 0) return;
    while (!this.unrouted.isEmpty && !this.isStopped) {
      const element = this.unrouted.shift()!;
      const index = this.partitioner(n, element); // a throw fails the hub
      if (!Number.isInteger(index) || index < 0 || index >= n) {
        throw new RangeError(`PartitionHub: the partitioner must return an index in 0..${n - 1}, got ${String(index)}`);
      }
      const c = this.consumers[index]!;
      if (c.pulled && c.queue.isEmpty) this.send(c, element);
      else c.queue.push(element);
    }
  }

  private send(c: Consumer<T>, element: T): void {
    c.pulled = false;
    this.total--;
    c.peer.push(element);
    this.pullIfRoom();
  }

  /** After upstream finished, a consumer with nothing left to get completes. */
  private completeIfDrained(c: Consumer<T>): void {
    if (!this.isClosed(inlet) || !c.queue.isEmpty || !this.unrouted.isEmpty) return;
    this.consumers = this.consumers.filter((x) => x !== c);
    this.release(c.id);
    this.stopIfDrained();
  }

  private pullIfRoom(): void {
    if (this.total < this.capacity && !this.isClosed(inlet)) this.tryPull(inlet);
  }

  /** Keeps running after upstream finished while elements or consumers remain. */
  private stopIfDrained(): void {
    if (!this.isClosed(inlet)) return;
    this.setKeepGoing(this.consumers.length > 0 || !this.unrouted.isEmpty);
  }
}

/**
 * Dynamic partitioning (Akka's `PartitionHub`): a sink whose materialized value is a source that any number of
 * consumers materialize; each element goes to exactly one of them.
 */
export const PartitionHub = {
  /**
   * A sink routing each element to the consumer at index `partitioner(consumerCount, element)` among the attached
   * consumers (in attach order). Nothing is routed until `startAfterNrOfConsumers` consumers attached (the hub
   * buffers, then backpressures). At most `bufferSize` elements wait in total; when a consumer cancels, its queued
   * elements are routed again among the others. Reports `BufferStats` (stage `PartitionHub`).
   * - Backpressures when: `bufferSize` elements wait (a slow consumer's queue fills the buffer).
   * - Completes when: upstream completed; each consumer completes once its queue is empty (after the start, later
   *   consumers complete at once; unrouted elements keep the hub waiting for consumers).
   * - Fails when: upstream fails, the partitioner throws, or it returns an index out of range: every consumer
   *   (and every later one) fails.
   * @example
   * const byKey = Source.from(orders).runWith(PartitionHub.sink<Order>((n, o) => Math.abs(hash(o.customer)) % n, 2, 256));
   * byKey.runWith(Sink.forEach(workerA)); byKey.runWith(Sink.forEach(workerB));
   */
  sink<T>(
    partitioner: (consumers: number, element: T) => number,
    startAfterNrOfConsumers = 0,
    bufferSize = 256,
  ): Sink<T, Source<T, NotUsed>> {
    requireFunction('PartitionHub.sink', 'partitioner', partitioner);
    requireNonNegativeInt('PartitionHub.sink', 'startAfterNrOfConsumers', startAfterNrOfConsumers);
    requirePositiveInt('PartitionHub.sink', 'bufferSize', bufferSize);
    return new Sink<T, Source<T, NotUsed>>(
      logicBlueprint(
        'PartitionHub',
        (ctx) => {
          const logic = new PartitionHubLogic<T>(ctx, partitioner, startAfterNrOfConsumers, bufferSize);
          return { logic, mat: new Source<T, NotUsed>(consumerSource('PartitionHub.consumer', logic.endpoint)) };
        },
        inlet,
      ),
    );
  },
};
