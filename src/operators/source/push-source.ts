import type { StageContext } from '../../core/blueprint';
import { BufferCounters } from '../../core/buffer-counters';
import { RingBuffer } from '../../core/ring-buffer';
import { FusedSource } from '../../stage/fused-source';

/**
 * Base of sources fed from outside the stream (`Source.queue`, `Source.fromObservable`): producers `enqueue`
 * into a ring buffer of fixed capacity (callers decide what to do when it `isFull`), and elements go downstream
 * in order as demand allows. `completeAfterBuffered()` completes once the buffer drained; `fail` is immediate.
 */
export abstract class PushSource<T> extends FusedSource<T> {
  protected readonly buffer: RingBuffer<T>;
  /** No more elements will be enqueued; complete when the buffer is empty. */
  protected completing = false;
  private readonly counters: BufferCounters;

  constructor(
    ctx: StageContext,
    protected readonly capacity: number,
  ) {
    // The counters read this stage only when observed (after construction).
    const counters = new BufferCounters(capacity, () => this.buffer.size, undefined, () => !this.done && !this.completing);
    super(ctx, counters);
    this.counters = counters;
    this.buffer = new RingBuffer<T>(capacity);
  }

  /** Elements waiting to be delivered. */
  get buffered(): number {
    return this.buffer.size;
  }

  /** Appends (the caller checked `buffer.isFull`) and delivers what downstream can take now. */
  protected enqueue(element: T): void {
    this.buffer.push(element);
    this.counters.sample();
    this.onDemand();
  }

  protected completeAfterBuffered(): void {
    if (this.done || this.completing) return;
    this.completing = true;
    if (this.buffer.isEmpty) this.complete();
  }

  /** Called after an element left the buffer. */
  protected dequeued(): void {}

  protected produce(): void | false {
    if (this.buffer.isEmpty) return false;
    const element = this.buffer.shift();
    this.dequeued();
    this.emit(element);
    if (this.completing && this.buffer.isEmpty) this.complete();
  }

  protected override onStop(): void {
    this.buffer.clear();
  }
}
