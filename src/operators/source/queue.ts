import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { Deferred } from '../../stage/fused-sink';
import { PushSource } from './push-source';

/** The result of `BoundedSourceQueue.offer`. */
export type QueueOfferResult = 'enqueued' | 'dropped' | 'closed' | 'failed';

/**
 * The materialized value of `Source.queue`.
 *
 * There is deliberately no `offer` that returns a Promise and waits for room: Akka's old `Source.queue` had one,
 * and Pekko deprecated it because that future can hang forever (and piles up one pending offer per waiting
 * producer). Here `offer` answers at once, and a producer that wants to wait awaits `ready()` and offers again.
 */
export interface BoundedSourceQueue<T> {
  /**
   * Enqueues if there is room; answers at once: `enqueued`, `dropped` (the buffer is full), `closed` (after
   * `complete()` or once the stream was cancelled) or `failed` (after `fail()`).
   */
  offer(element: T): QueueOfferResult;
  /**
   * Resolves when an `offer` would be accepted (at once if there is room). With several producers another one may
   * take the room first, so check `offer`'s answer. Rejects with `QueueClosedError` once the queue is completed,
   * failed or cancelled.
   */
  ready(): Promise<void>;
  /** Completes the stream after the queued elements (the first of `complete`/`fail` wins). */
  complete(): void;
  /** Fails the stream at once; queued elements are dropped (the first of `complete`/`fail` wins). */
  fail(error: unknown): void;
  /** Elements waiting in the queue. */
  readonly size: number;
}

/** Why a queue no longer accepts elements. */
export type QueueClosedReason = 'completed' | 'failed' | 'cancelled';

/** `BoundedSourceQueue.ready()` rejects with this once the queue no longer accepts elements. */
export class QueueClosedError extends Error {
  override readonly name = 'QueueClosedError';
  constructor(readonly reason: QueueClosedReason) {
    super(`Source.queue: the queue no longer accepts elements (${reason})`);
  }
}

class QueueSource<T> extends PushSource<T> {
  private closedBy: QueueClosedReason | undefined;
  private waiter: Deferred<void> | undefined;

  offer(element: T): QueueOfferResult {
    if (this.closedBy) return this.closedBy === 'failed' ? 'failed' : 'closed';
    if (this.buffer.isFull) return 'dropped';
    this.enqueue(element);
    return 'enqueued';
  }

  ready(): Promise<void> {
    if (this.closedBy) return Promise.reject(new QueueClosedError(this.closedBy));
    if (!this.buffer.isFull) return Promise.resolve();
    this.waiter ??= new Deferred<void>();
    return this.waiter.promise;
  }

  completeQueue(): void {
    if (this.close('completed')) this.completeAfterBuffered();
  }

  failQueue(error: unknown): void {
    if (this.close('failed')) this.fail(error);
  }

  protected override dequeued(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve();
  }

  protected override onStop(): void {
    super.onStop();
    this.close('cancelled');
  }

  /** Stops accepting elements; false if it already had. */
  private close(reason: QueueClosedReason): boolean {
    if (this.closedBy) return false;
    this.closedBy = reason;
    this.waiter?.reject(new QueueClosedError(reason));
    this.waiter = undefined;
    return true;
  }
}

/** @internal `Source.queue(bufferSize)`. */
export function queue<T>(bufferSize: number): Blueprint {
  requirePositiveInt('Source.queue', 'bufferSize', bufferSize);
  return atom('queue', (ctx: StageContext) => {
    const source = new QueueSource<T>(ctx, bufferSize);
    const mat: BoundedSourceQueue<T> = {
      offer: (element) => source.offer(element),
      ready: () => source.ready(),
      complete: () => source.completeQueue(),
      fail: (error) => source.failQueue(error),
      get size() {
        return source.buffered;
      },
    };
    return { out: source, mat };
  });
}
