import { atom } from '../core/blueprint';
import type { Downstream, InPort, OutPort, Upstream } from '../core/protocol';
import { rootCause } from '../core/stage-failure';
import { Sink } from '../dsl/sink';
import { Source } from '../dsl/source';
import type { TestClock } from './test-clock';

/** An expectation of a probe did not hold. */
export class ProbeAssertionError extends Error {
  override readonly name = 'ProbeAssertionError';
}

type SinkEvent<T> =
  | { readonly kind: 'next'; readonly value: T }
  | { readonly kind: 'complete' }
  | { readonly kind: 'error'; readonly error: unknown };

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function describeEvent(e: SinkEvent<unknown> | undefined): string {
  if (!e) return 'nothing';
  if (e.kind === 'next') return `element ${show(e.value)}`;
  if (e.kind === 'complete') return 'completion';
  return `error ${String(e.error)}`;
}

/**
 * The materialized value of `TestSink.probe()`: requests elements explicitly and asserts what arrived, in order.
 * Every call is synchronous; with a `TestClock`, `expectNoMessage(ms)` advances virtual time.
 */
export class SinkProbe<T> implements InPort<T> {
  private upstream!: Upstream;
  private credits = 0;
  private readonly events: SinkEvent<T>[] = [];
  private cursor = 0;
  private cancelled = false;

  constructor(private readonly clock?: TestClock) {}

  /** @internal */
  attachUpstream(upstream: Upstream): void {
    this.upstream = upstream;
  }
  /** @internal */
  hasDemand(): boolean {
    return this.credits > 0 && !this.cancelled;
  }
  /** @internal */
  onNext(value: T): void {
    if (this.credits <= 0) throw new ProbeAssertionError(`element ${show(value)} pushed without demand`);
    this.credits--;
    this.events.push({ kind: 'next', value });
  }
  /** @internal */
  onComplete(): void {
    this.events.push({ kind: 'complete' });
  }
  /** @internal */
  onError(error: unknown): void {
    this.events.push({ kind: 'error', error });
  }

  /** Signals demand for `n` more elements. */
  request(n: number): this {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`request(n): n must be a positive integer, got ${n}`);
    this.credits += n;
    this.upstream.onDemand();
    return this;
  }

  /** Outstanding demand (requested and not yet delivered). */
  get outstanding(): number {
    return this.credits;
  }

  /** Cancels the stream. */
  cancel(): void {
    this.cancelled = true;
    this.upstream.cancel();
  }

  /** Asserts that the next events are exactly these elements, in order. */
  expectNext(...values: T[]): this {
    for (const v of values) {
      const e = this.take();
      if (e?.kind !== 'next' || !deepEqual(e.value, v)) {
        throw new ProbeAssertionError(`expected element ${show(v)}, got ${describeEvent(e)}`);
      }
    }
    return this;
  }

  /** `request(1)` then `expectNext(value)`. */
  requestNext(value: T): this {
    return this.request(1).expectNext(value);
  }

  /** Asserts `n` elements arrived and returns them. */
  expectNextN(n: number): T[] {
    const out: T[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.take();
      if (e?.kind !== 'next') throw new ProbeAssertionError(`expected ${n} elements, got ${i} and then ${describeEvent(e)}`);
      out.push(e.value);
    }
    return out;
  }

  /** Asserts the stream completed (and nothing else arrived first). */
  expectComplete(): this {
    const e = this.take();
    if (e?.kind !== 'complete') throw new ProbeAssertionError(`expected completion, got ${describeEvent(e)}`);
    return this;
  }

  /** Asserts the stream failed and returns the original error (unwrapped from `StageFailure`). */
  expectError(): unknown {
    const e = this.take();
    if (e?.kind !== 'error') throw new ProbeAssertionError(`expected an error, got ${describeEvent(e)}`);
    return rootCause(e.error);
  }

  /** Asserts the stream failed and returns the error as delivered (a `StageFailure`). */
  expectFailure(): unknown {
    const e = this.take();
    if (e?.kind !== 'error') throw new ProbeAssertionError(`expected an error, got ${describeEvent(e)}`);
    return e.error;
  }

  /** Advances the test clock by `ms` (if any) and asserts that nothing arrived. */
  expectNoMessage(ms = 0): this {
    if (ms > 0) {
      if (!this.clock) throw new ProbeAssertionError('expectNoMessage(ms) needs the probe to be created with a TestClock');
      this.clock.advance(ms);
    }
    const e = this.events[this.cursor];
    if (e) throw new ProbeAssertionError(`expected no message, got ${describeEvent(e)}`);
    return this;
  }

  /** Events received and not yet asserted. */
  get unread(): number {
    return this.events.length - this.cursor;
  }

  /** All elements received so far (asserted or not). */
  get received(): T[] {
    return this.events.flatMap((e) => (e.kind === 'next' ? [e.value] : []));
  }

  private take(): SinkEvent<T> | undefined {
    const e = this.events[this.cursor];
    if (e) this.cursor++;
    return e;
  }
}

/**
 * The materialized value of `TestSource.probe()`: sends elements when the test says so and records the demand
 * and cancellation it receives. Elements sent without demand wait (in the probe, for the test) until requested.
 */
export class SourceProbe<T> implements OutPort<T> {
  private downstream!: Downstream<T>;
  private readonly waiting: T[] = [];
  private waitingHead = 0;
  private terminal: { readonly error?: unknown } | undefined;
  private terminated = false;
  private _cancelled = false;
  private _cancelCause: unknown;
  private _demandSignals = 0;
  private started = false;

  /** @internal */
  attachDownstream(downstream: Downstream<T>): void {
    this.downstream = downstream;
  }
  /** @internal */
  start(): void {
    this.started = true;
    this.flush();
  }
  /** @internal */
  onDemand(): void {
    this._demandSignals++;
    this.flush();
  }
  /** @internal */
  cancel(cause?: unknown): void {
    if (this._cancelled) return;
    this._cancelled = true;
    this._cancelCause = cause;
  }

  /** Sends an element (delivered now if downstream has demand, otherwise when it asks). */
  sendNext(value: T): this {
    if (this.terminal || this.terminated) throw new ProbeAssertionError('sendNext after sendComplete/sendError');
    this.waiting.push(value);
    this.flush();
    return this;
  }
  /** Completes the stream after the waiting elements. */
  sendComplete(): this {
    this.terminal = {};
    this.flush();
    return this;
  }
  /** Fails the stream (waiting elements are dropped). */
  sendError(error: unknown): this {
    this.waiting.length = this.waitingHead = 0;
    this.terminal = { error };
    this.flush();
    return this;
  }

  /** Whether downstream can take an element now. */
  get hasDemand(): boolean {
    return this.started && !this._cancelled && this.downstream.hasDemand();
  }
  /** How many times downstream signalled demand. */
  get demandSignals(): number {
    return this._demandSignals;
  }
  /** Elements sent and not yet delivered. */
  get pending(): number {
    return this.waiting.length - this.waitingHead;
  }
  get isCancelled(): boolean {
    return this._cancelled;
  }

  /** Asserts downstream has demand right now. */
  expectRequest(): this {
    if (!this.hasDemand) throw new ProbeAssertionError('expected downstream demand, but there is none');
    return this;
  }
  /** Asserts downstream has no demand right now (it is backpressuring). */
  expectNoRequest(): this {
    if (this.hasDemand) throw new ProbeAssertionError('expected no downstream demand (backpressure), but there is demand');
    return this;
  }
  /** Asserts the stream cancelled this source; returns the cause. */
  expectCancellation(): unknown {
    if (!this._cancelled) throw new ProbeAssertionError('expected cancellation, but the source was not cancelled');
    return this._cancelCause;
  }
  /** Asserts the source was not cancelled. */
  expectNotCancelled(): this {
    if (this._cancelled) throw new ProbeAssertionError(`expected no cancellation, got one (cause: ${String(this._cancelCause)})`);
    return this;
  }

  private flush(): void {
    if (!this.started || this._cancelled || this.terminated) return;
    while (this.waitingHead < this.waiting.length && this.downstream.hasDemand()) {
      const v = this.waiting[this.waitingHead] as T;
      this.waiting[this.waitingHead++] = undefined as T;
      this.downstream.onNext(v);
      if (this._cancelled) return;
    }
    if (this.waitingHead === this.waiting.length) this.waiting.length = this.waitingHead = 0;
    if (this.terminal && this.pending === 0 && !this.terminated) {
      this.terminated = true;
      if ('error' in this.terminal) this.downstream.onError(this.terminal.error);
      else this.downstream.onComplete();
    }
  }
}

/** Test sinks. */
export const TestSink = {
  /**
   * A sink that requests only what the test asks for and records everything.
   * @example const probe = source.runWith(TestSink.probe<number>()); probe.request(1).expectNext(1);
   */
  probe<T>(clock?: TestClock): Sink<T, SinkProbe<T>> {
    return new Sink<T, SinkProbe<T>>(
      atom('TestSink.probe', () => {
        const probe = new SinkProbe<T>(clock);
        return { in: probe, mat: probe };
      }),
    );
  },
};

/** Test sources. */
export const TestSource = {
  /**
   * A source the test drives with `sendNext/sendComplete/sendError`, recording demand and cancellation.
   * @example const [src, sink] = TestSource.probe<number>().map(x => x * 2).toMat(TestSink.probe(), Keep.both).run();
   */
  probe<T>(): Source<T, SourceProbe<T>> {
    return new Source<T, SourceProbe<T>>(
      atom('TestSource.probe', (ctx) => {
        const probe = new SourceProbe<T>();
        ctx.onStart(() => probe.start());
        return { out: probe, mat: probe };
      }),
    );
  },
};

/**
 * Structural equality for probe and marble assertions (primitives, arrays, plain objects, Dates; errors are
 * equal when they have the same class, name and message).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Error || b instanceof Error) {
    return a.constructor === b.constructor && (a as Error).name === (b as Error).name && (a as Error).message === (b as Error).message;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
