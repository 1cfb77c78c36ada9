import type { Blueprint, StageContext } from '../../core/blueprint';
import { BufferCounters } from '../../core/buffer-counters';
import { BufferOverflowError, makeRoom, OverflowStrategy } from '../../core/overflow-strategy';
import { RingBuffer } from '../../core/ring-buffer';
import { requireDuration, requirePositiveInt } from '../../core/validate';
import { FlowLogic, flowLogicBlueprint } from './flow-logic';

/** What `delay` does when an element arrives and its buffer is full. */
export type DelayOverflowStrategy = OverflowStrategy | 'emitEarly';

/** Options of `delay`. */
export interface DelayOptions {
  /** Elements held while their delay runs; default 16. */
  readonly bufferSize?: number;
  /**
   * When the buffer is full: `backpressure` (default); `emitEarly` emits the oldest element before its time to
   * make room (and backpressures while downstream is not pulling); `dropHead`, `dropTail`, `dropBuffer`,
   * `dropNew` drop elements; `fail` fails with `BufferOverflowError`.
   */
  readonly overflow?: DelayOverflowStrategy;
}

interface Delayed<T> {
  readonly due: number;
  readonly element: T;
}

const DUE = 'delay';

/**
 * Holds each element until `arrival + ms` in a ring buffer (due times are in arrival order, so the head is always
 * the next one due). A timer runs only while downstream is pulling and the head is not due yet.
 */
class DelayLogic<T> extends FlowLogic<T, T> {
  private readonly waiting: RingBuffer<Delayed<T>>;
  private readonly counters: BufferCounters;

  constructor(
    ctx: StageContext,
    private readonly ms: number,
    private readonly capacity: number,
    private readonly overflow: DelayOverflowStrategy,
  ) {
    super(ctx);
    this.waiting = new RingBuffer(capacity);
    this.counters = new BufferCounters(capacity, () => this.waiting.size, undefined, () => !this.isStopped);
  }

  override stats(): BufferCounters {
    return this.counters;
  }

  override preStart(): void {
    this.pull(this.in);
  }

  protected override onElement(element: T): void {
    const waiting = this.waiting;
    if (waiting.isFull) {
      if (this.overflow === 'emitEarly') {
        // Only pulled while full if downstream was pulling, so the outlet is available.
        this.push(this.out, waiting.shift().element);
      } else {
        const room = makeRoom(waiting, this.overflow); // 'fail' ('backpressure' never pulls while full)
        if (room === 'fail') return this.failStage(new BufferOverflowError(this.capacity));
        if (room === 'drop') return this.pullIfAllowed();
      }
    }
    waiting.push({ due: this.now() + this.ms, element });
    this.counters.sample();
    this.deliver();
  }

  protected override onPulled(): void {
    this.deliver();
  }

  protected override onTimer(): void {
    this.deliver();
  }

  protected override onUpstreamDone(): void {
    if (this.waiting.isEmpty) this.completeStage();
  }

  /** Pushes the head if it is due and downstream pulls, arms the timer for it otherwise, and refills. */
  private deliver(): void {
    const waiting = this.waiting;
    if (!waiting.isEmpty && this.isAvailable(this.out)) {
      const wait = waiting.peek().due - this.now();
      if (wait <= 0) this.push(this.out, waiting.shift().element);
      else if (!this.isTimerActive(DUE)) this.scheduleOnce(DUE, wait);
    }
    if (this.isClosed(this.in)) {
      if (waiting.isEmpty) this.completeStage();
    } else {
      this.pullIfAllowed();
    }
  }

  private pullIfAllowed(): void {
    if (this.waiting.isFull) {
      if (this.overflow === 'backpressure') return;
      if (this.overflow === 'emitEarly' && !this.isAvailable(this.out)) return;
    }
    this.tryPull(this.in);
  }
}

const strategies = new Set<string>([...Object.keys(OverflowStrategy), 'emitEarly']);

/** @internal `delay(ms, options)`. */
export function delay(ms: number, options: DelayOptions = {}): Blueprint {
  requireDuration('delay', 'ms', ms);
  const bufferSize = options.bufferSize ?? 16;
  requirePositiveInt('delay', 'bufferSize', bufferSize);
  const overflow = options.overflow ?? 'backpressure';
  if (!strategies.has(overflow)) {
    const names = [...strategies].join(', ');
    throw new TypeError(`delay: overflow must be one of ${names}; got ${JSON.stringify(overflow)}`);
  }
  return flowLogicBlueprint('delay', (ctx) => new DelayLogic(ctx, ms, bufferSize, overflow));
}
