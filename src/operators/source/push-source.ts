import type { StageContext } from '../../core/blueprint';
import type { BufferStats } from '../../core/materializer';
import { RingBuffer } from '../../core/ring-buffer';
import { FusedSource } from '../../stage/fused-source';

/**
 * Base of sources fed from outside the stream (`Source.queue`, `Source.fromObservable`): producers `enqueue`
 * into a ring buffer of fixed capacity (callers decide what to do when it `isFull`), and elements go downstream
 * in order as demand allows. `completeAfterBuffered()` completes once the buffer drained; `fail` is immediate.
 */
export abstract class PushSource<T> extends FusedSource<T> implements BufferStats {
  protected readonly buffer: RingBuffer<T>;
  /** No more elements will be enqueued; complete when the buffer is empty. */
  protected completing = false;
  private _peak = 0;

  constructor(ctx: StageContext, readonly capacity: number) {
    super(ctx);
    this.buffer = new RingBuffer<T>(capacity);
  }

  protected override stats(): BufferStats {
    return this;
  }

  get buffered(): number {
    return this.buffer.size;
  }
  get inFlight(): number {
    return 0;
  }
  get peak(): number {
    return this._peak;
  }
  get demand(): number {
    return this.done || this.completing ? 0 : this.capacity - this.buffer.size;
  }

  /** Appends (the caller checked `buffer.isFull`) and delivers what downstream can take now. */
  protected enqueue(element: T): void {
    this.buffer.push(element);
    if (this.buffer.size > this._peak) this._peak = this.buffer.size;
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
