import type { StageContext } from '../core/blueprint';
import { BufferCounters } from '../core/buffer-counters';
import { Deque } from '../core/deque';
import type { BufferStats } from '../core/materializer';
import { requirePositiveInt } from '../core/validate';
import type { NotUsed } from '../dsl/keep';
import { Sink } from '../dsl/sink';
import { Source } from '../dsl/source';
import { GraphStageLogic } from '../stage/graph-stage';
import { Inlet, Outlet } from '../stage/shape';
import { logicBlueprint } from '../stage/stage-blueprint';

/** What the hub calls on a producer: async callbacks of the producer's logic. */
interface ProducerPeer {
  /** The hub consumed `n` of this producer's elements: it may send `n` more. */
  readonly demand: (n: number) => void;
  /** The hub stopped: cancel upstream. */
  readonly cancel: () => void;
}

/** What a producer calls on the hub: async callbacks of the hub's logic. */
interface MergeEndpoint<T> {
  /** Registers a producer and returns its id (-1: the hub has stopped and the producer was cancelled). */
  attach(peer: ProducerPeer): number;
  offer(entry: { readonly id: number; readonly element: T }): void;
  /** The producer finished (after its last `offer`). */
  done(id: number): void;
}

const outlet = new Outlet<any>('MergeHub.out');
const inlet = new Inlet<any>('MergeHub.producer.in');

/**
 * The hub: one queue of (producer, element) in arrival order. Each producer sends only against credit
 * (`perProducerBufferSize` at first, one more per element consumed), so the queue holds at most that many
 * elements per producer.
 */
class MergeHubLogic<T> extends GraphStageLogic {
  readonly endpoint: MergeEndpoint<T>;
  private readonly waiting = new Deque<{ readonly id: number; readonly element: T }>();
  private readonly producers = new Map<number, ProducerPeer>();
  private nextId = 0;
  private terminated = false;
  /** Capacity: `perProducer` elements per attached producer. */
  private readonly counters = new BufferCounters(
    () => this.perProducer * Math.max(1, this.producers.size),
    () => this.waiting.size,
  );

  constructor(
    ctx: StageContext,
    private readonly perProducer: number,
  ) {
    super(ctx, [], [outlet]);
    this.setHandler(outlet, {
      onPull: () => {
        if (!this.waiting.isEmpty) this.emitNext(this.waiting.shift()!);
      },
    });
    const offer = this.getAsyncCallback((entry: { readonly id: number; readonly element: T }) => {
      if (this.waiting.isEmpty && this.isAvailable(outlet)) this.emitNext(entry);
      else {
        this.waiting.push(entry);
        this.counters.sample();
      }
    });
    const done = this.getAsyncCallback((id: number) => void this.producers.delete(id));
    this.endpoint = {
      attach: (peer) => {
        if (this.terminated) {
          peer.cancel();
          return -1;
        }
        const id = this.nextId++;
        this.producers.set(id, peer); // known at once, so a hub stopping now still cancels it
        return id;
      },
      offer,
      done,
    };
  }

  override stats(): BufferStats {
    return this.counters;
  }

  private emitNext(entry: { readonly id: number; readonly element: T }): void {
    this.push(outlet, entry.element);
    this.producers.get(entry.id)?.demand(1);
  }

  override postStop(): void {
    this.terminated = true;
    for (const peer of this.producers.values()) peer.cancel();
    this.producers.clear();
  }
}

/** One producer: pulls its upstream while it has credit and hands each element to the hub. */
class ProducerLogic<T> extends GraphStageLogic {
  private id = -1;
  private credit: number;

  constructor(
    ctx: StageContext,
    private readonly hub: MergeEndpoint<T>,
    perProducer: number,
  ) {
    super(ctx, [inlet], []);
    this.credit = perProducer;
    this.setHandler(inlet, {
      onPush: () => {
        this.hub.offer({ id: this.id, element: this.grab(inlet) });
        if (--this.credit > 0) this.pull(inlet);
      },
      onUpstreamFinish: () => {
        this.hub.done(this.id);
        this.completeStage();
      },
      onUpstreamFailure: (error) => {
        this.hub.done(this.id);
        this.failStage(error);
      },
    });
  }

  override preStart(): void {
    this.id = this.hub.attach({
      demand: this.getAsyncCallback((n: number) => {
        this.credit += n;
        if (!this.isClosed(inlet)) this.tryPull(inlet);
      }),
      cancel: this.getAsyncCallback<void>(() => this.cancelStage()),
    });
    if (this.id >= 0) this.pull(inlet);
  }
}

/**
 * Dynamic fan-in (Akka's `MergeHub`): a source whose materialized value is a sink that any number of producers
 * materialize, at any time, each in its own stream.
 */
export const MergeHub = {
  /**
   * A source emitting the elements of every producer that runs its materialized sink, merged as they come
   * (producers with elements waiting take turns in arrival order). Each producer may have at most
   * `perProducerBufferSize` elements waiting in the hub, so every producer is backpressured when the consumer is
   * slow. Reports `BufferStats` (stage `MergeHub`).
   * - Emits when: a producer's element is waiting and downstream pulls.
   * - Backpressures when: downstream does (producers wait for credit).
   * - Completes when: never by itself (stop it with a kill switch or by cancelling); producers completing do not
   *   complete it. A producer's failure ends that producer only.
   * - Cancels when: downstream cancels; then every producer, and every producer materialized later, is cancelled.
   * @example
   * const [toHub, done] = MergeHub.source<LogLine>(16).toMat(Sink.forEach(write), Keep.both).run();
   * Source.from(fileA).runWith(toHub); Source.from(fileB).runWith(toHub);
   */
  source<T>(perProducerBufferSize = 16): Source<T, Sink<T, NotUsed>> {
    requirePositiveInt('MergeHub.source', 'perProducerBufferSize', perProducerBufferSize);
    return new Source<T, Sink<T, NotUsed>>(
      logicBlueprint(
        'MergeHub',
        (ctx) => {
          const logic = new MergeHubLogic<T>(ctx, perProducerBufferSize);
          const producer = logicBlueprint(
            'MergeHub.producer',
            (pctx) => new ProducerLogic<T>(pctx, logic.endpoint, perProducerBufferSize),
            inlet,
          );
          return { logic, mat: new Sink<T, NotUsed>(producer) };
        },
        undefined,
        outlet,
      ),
    );
  },
};
