import type { Blueprint } from '../../core/blueprint';
/** The result of `BoundedSourceQueue.offer`. */
export type QueueOfferResult = 'enqueued' | 'dropped' | 'closed' | 'failed';
/** The materialized value of `Source.queue`. */
export interface BoundedSourceQueue<T> {
  /** Enqueues if there is room; answers at once. */
  offer(element: T): QueueOfferResult;
  /** Resolves when an `offer` would be accepted (or rejects once the queue is closed or failed). */
  ready(): Promise<void>;
  /** Completes the stream after the queued elements. */
  complete(): void;
  /** Fails the stream; queued elements are dropped. */
  fail(error: unknown): void;
  /** Elements waiting in the queue. */
  readonly size: number;
}
export function queue<_T>(_bufferSize: number): Blueprint {
  throw new Error('pending: queue');
}
