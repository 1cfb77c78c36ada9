import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import type { BufferStats } from '../../core/materializer';
import { BufferOverflowError, checkOverflowStrategy, type OverflowStrategy } from '../../core/overflow-strategy';
import type { Downstream, InPort, OutPort, Upstream } from '../../core/protocol';
import { RingBuffer } from '../../core/ring-buffer';
import { requirePositiveInt } from '../../core/validate';

/**
 * A bounded ring buffer between two parts of a stream (`buffer`, `async`). With `backpressure` it asks upstream
 * for more only once it has drained to half its capacity, so demand crosses the boundary in batches.
 * Elements go straight through while the buffer is empty and downstream has demand.
 */
export class BufferStage<T> implements InPort<T>, OutPort<T>, BufferStats {
  upstream!: Upstream;
  downstream!: Downstream<T>;
  private readonly buffer: RingBuffer<T>;
  private upstreamDone = false;
  private finished = false;
  private draining = false;
  private upstreamWaiting = false;
  private _peak = 0;

  constructor(
    private readonly ctx: StageContext,
    readonly capacity: number,
    private readonly overflow: OverflowStrategy,
  ) {
    this.buffer = new RingBuffer<T>(capacity);
    ctx.onStart(() => this.upstream.onDemand(), this);
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
    return this.finished ? 0 : this.capacity - this.buffer.size;
  }

  attachUpstream(upstream: Upstream): void {
    this.upstream = upstream;
  }
  attachDownstream(downstream: Downstream<T>): void {
    this.downstream = downstream;
  }

  hasDemand(): boolean {
    if (this.finished) return false;
    if (this.overflow !== 'backpressure' || !this.buffer.isFull) return true;
    this.upstreamWaiting = true;
    return false;
  }

  onNext(element: T): void {
    if (this.finished) return;
    const buffer = this.buffer;
    if (buffer.isEmpty && !this.draining && this.downstream.hasDemand()) {
      this.downstream.onNext(element);
      return;
    }
    if (buffer.isFull) {
      switch (this.overflow) {
        case 'dropHead':
          buffer.shift();
          break;
        case 'dropTail':
          buffer.pop();
          break;
        case 'dropBuffer':
          buffer.clear();
          break;
        case 'dropNew':
          return;
        case 'fail':
          this.fail(new BufferOverflowError(this.capacity));
          return;
        case 'backpressure':
          // Upstream broke the protocol; keep the element rather than lose it, and say so.
          this.fail(new Error(`buffer of ${this.capacity}: upstream pushed without demand`));
          return;
      }
    }
    buffer.push(element);
    if (buffer.size > this._peak) this._peak = buffer.size;
    this.drain();
  }

  onComplete(): void {
    if (this.finished || this.upstreamDone) return;
    this.upstreamDone = true;
    this.drain();
  }

  onError(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.buffer.clear();
    this.downstream.onError(error);
    this.ctx.stopped();
  }

  onDemand(): void {
    this.drain();
  }

  cancel(cause?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.buffer.clear();
    if (!this.upstreamDone) this.upstream.cancel(cause);
    this.ctx.stopped();
  }

  private drain(): void {
    if (this.draining || this.finished) return;
    this.draining = true;
    const buffer = this.buffer;
    const downstream = this.downstream;
    while (!buffer.isEmpty && !this.finished && downstream.hasDemand()) downstream.onNext(buffer.shift());
    this.draining = false;
    if (this.finished) return;
    if (this.upstreamDone) {
      if (buffer.isEmpty) {
        this.finished = true;
        downstream.onComplete();
        this.ctx.stopped();
      }
    } else if (this.upstreamWaiting && buffer.size <= this.capacity >> 1) {
      this.upstreamWaiting = false;
      this.upstream.onDemand();
    }
  }

  private fail(error: unknown): void {
    this.finished = true;
    this.buffer.clear();
    const failure = this.ctx.failure(error);
    this.upstream.cancel(failure);
    this.downstream.onError(failure);
    this.ctx.stopped();
  }
}

/** @internal `buffer(size, overflow)`. */
export function buffer<T>(size: number, overflow: OverflowStrategy): Blueprint {
  requirePositiveInt('buffer', 'size', size);
  checkOverflowStrategy(overflow);
  return atom('buffer', (ctx) => {
    const stage = new BufferStage<T>(ctx, size, overflow);
    return { in: stage, out: stage, mat: undefined };
  });
}
