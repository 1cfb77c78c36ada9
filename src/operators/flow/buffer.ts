import type { Blueprint, StageContext } from '../../core/blueprint';
import { BufferCounters } from '../../core/buffer-counters';
import { BufferOverflowError, checkOverflowStrategy, makeRoom, type OverflowStrategy } from '../../core/overflow-strategy';
import type { Downstream, InPort, OutPort, Upstream } from '../../core/protocol';
import { RingBuffer } from '../../core/ring-buffer';
import { requirePositiveInt } from '../../core/validate';
import { fusedBlueprint } from '../../stage/fused-stage';

/**
 * A bounded ring buffer between two parts of a stream (`buffer`, `async`). With `backpressure` it asks upstream
 * for more only once it has drained to half its capacity, so demand crosses the boundary in batches.
 * Elements go straight through while the buffer is empty and downstream has demand.
 */
export class BufferStage<T> implements InPort<T>, OutPort<T> {
  upstream!: Upstream;
  downstream!: Downstream<T>;
  private readonly buffer: RingBuffer<T>;
  private upstreamDone = false;
  private finished = false;
  private draining = false;
  private upstreamWaiting = false;
  private readonly counters: BufferCounters;

  constructor(
    private readonly ctx: StageContext,
    private readonly capacity: number,
    private readonly overflow: OverflowStrategy,
  ) {
    this.buffer = new RingBuffer<T>(capacity);
    this.counters = new BufferCounters(capacity, () => this.buffer.size, undefined, () => !this.finished);
    ctx.onStart(() => this.upstream.onDemand(), this.counters);
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
      const room = makeRoom(buffer, this.overflow);
      if (room === 'drop') return;
      if (room === 'fail') {
        // With `backpressure`, upstream broke the protocol: fail rather than lose the element silently.
        const error =
          this.overflow === 'fail'
            ? new BufferOverflowError(this.capacity)
            : new Error(`buffer of ${this.capacity}: upstream pushed without demand`);
        this.fail(error);
        return;
      }
    }
    buffer.push(element);
    this.counters.sample();
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
  return fusedBlueprint('buffer', (ctx) => new BufferStage<T>(ctx, size, overflow));
}
