import type { Observable, Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { atom, type StageContext } from '../core/blueprint';
import { Deque } from '../core/deque';
import { NoMoreElementsNeeded, type Downstream, type InPort, type OutPort, type Upstream } from '../core/protocol';
import { rootCause } from '../core/stage-failure';
import { Sink } from '../dsl/sink';
import { Source } from '../dsl/source';
import { completeEvent, describeValue, errorEvent, nextEvent, type MarbleEvent, type SubscriptionFrames } from './marble-format';

/** An RxJS test observable (cold or hot), which logs its subscriptions. */
export type LoggedObservable<T> = Observable<T> & { readonly subscriptions: readonly SubscriptionFrames[] };

/**
 * The materialized value of `m.source(marble)`: a source that emits the marble's events while respecting
 * backpressure. An element whose frame comes while the stream has no demand waits here, in order, until it is
 * pulled; completion and failure come after the waiting elements.
 *
 * `pulls` records an upstream pull (`p`) at each frame where the source saw the stream's demand go from none to
 * some. The source checks demand when it starts, on every demand signal from downstream, when an element arrives,
 * and before and after every element it pushes; at most one `p` is recorded per frame.
 */
export class MarbleSource<T> implements OutPort<T> {
  private downstream!: Downstream<T>;
  private readonly waiting = new Deque<T>();
  private terminal: { readonly error?: unknown } | undefined;
  private subscription: Subscription | undefined;
  private started = false;
  private startFrame = 0;
  private done = false;
  private flushing = false;
  private demandSeen = false;
  private _cancelled = false;
  private _cancelCause: unknown;
  private readonly _pulls: MarbleEvent[] = [];

  constructor(
    private readonly ctx: StageContext,
    private readonly input: LoggedObservable<T>,
  ) {}

  /** Frames at which the stream started demanding elements, as `next('p')` events. */
  get pulls(): readonly MarbleEvent[] {
    return this._pulls;
  }
  /** When the source subscribed to / unsubscribed from its marble observable (RxJS subscription logs). */
  get subscriptions(): readonly SubscriptionFrames[] {
    return this.input.subscriptions;
  }
  /** Elements that arrived and wait for demand. */
  get pending(): number {
    return this.waiting.size;
  }
  get isCancelled(): boolean {
    return this._cancelled;
  }
  /** Why the stream cancelled this source (e.g. `NoMoreElementsNeeded` or a `StageFailure`). */
  get cancelCause(): unknown {
    return this._cancelCause;
  }

  /** @internal */
  attachDownstream(downstream: Downstream<T>): void {
    this.downstream = downstream;
  }
  /** @internal */
  start(): void {
    this.started = true;
    this.startFrame = this.ctx.scheduler.now();
    // A hot observable replays nothing: events scheduled before the stream started are lost.
    const live = (): boolean => this.ctx.scheduler.now() >= this.startFrame;
    this.subscription = this.input.subscribe({
      next: (x) => {
        if (!live()) return;
        this.waiting.push(x);
        this.flush();
      },
      error: (error: unknown) => {
        if (!live()) return;
        this.terminal = { error };
        this.flush();
      },
      complete: () => {
        if (!live()) return;
        this.terminal = {};
        this.flush();
      },
    });
    if (this._cancelled) this.subscription.unsubscribe();
    this.flush();
  }
  /** @internal */
  onDemand(): void {
    this.flush();
  }
  /** @internal */
  cancel(cause?: unknown): void {
    if (this.done) return;
    this.done = true;
    this._cancelled = true;
    this._cancelCause = cause;
    this.waiting.clear();
    this.subscription?.unsubscribe();
    this.ctx.stopped();
  }

  private flush(): void {
    if (!this.started || this.done || this.flushing) return;
    this.flushing = true;
    try {
      while (this.sampleDemand() && !this.waiting.isEmpty) {
        this.downstream.onNext(this.waiting.shift() as T);
        if (this.done) return;
      }
    } finally {
      this.flushing = false;
    }
    const terminal = this.terminal;
    if (terminal && this.waiting.isEmpty) {
      this.done = true;
      if ('error' in terminal) this.downstream.onError(this.ctx.failure(terminal.error));
      else this.downstream.onComplete();
      this.ctx.stopped();
    }
  }

  private sampleDemand(): boolean {
    const demand = !this.done && this.downstream.hasDemand();
    if (demand && !this.demandSeen) {
      const frame = this.ctx.scheduler.now();
      if (this._pulls[this._pulls.length - 1]?.frame !== frame) this._pulls.push(nextEvent(frame, 'p'));
    }
    this.demandSeen = demand;
    return demand;
  }
}

/** @internal One step of a demand marble. */
export interface DemandStep {
  readonly frame: number;
  /** Elements to request, or `cancel`. */
  readonly n: number | 'cancel';
}

/**
 * The materialized value of `m.sink(demand)`: requests elements as its demand marble says (or without limit) and
 * records what arrives with the frame it arrived at. Errors are recorded as their root cause (unwrapped from
 * `StageFailure`); `failure` keeps the error as delivered.
 */
export class MarbleSink<T> implements InPort<T> {
  private upstream!: Upstream;
  private credits = 0;
  private cancelled = false;
  private terminated = false;
  private _failure: unknown;
  private readonly _events: MarbleEvent[] = [];
  private readonly _violations: string[] = [];

  constructor(
    private readonly ctx: StageContext,
    private readonly steps: readonly DemandStep[] | undefined,
  ) {}

  /** Everything that arrived, with frames (the `expectOutput` actual side). */
  get events(): readonly MarbleEvent[] {
    return this._events;
  }
  /** The elements that arrived, in order. */
  get elements(): T[] {
    return this._events.flatMap((e) => (e.notification.kind === 'N' ? [e.notification.value as T] : []));
  }
  /** The error the stream failed with, as delivered (usually a `StageFailure` naming the failed stage). */
  get failure(): unknown {
    return this._failure;
  }
  /** Requested and not yet delivered (`Infinity` when unbounded). */
  get outstanding(): number {
    return this.credits;
  }
  /** Protocol violations seen (elements pushed without demand). */
  get violations(): readonly string[] {
    return this._violations;
  }

  /** Requests `n` more elements now (a positive integer or `Infinity`). */
  request(n: number): void {
    if (!(n === Infinity || (Number.isInteger(n) && n > 0))) {
      throw new RangeError(`MarbleSink.request: n must be a positive integer or Infinity, got ${String(n)}`);
    }
    if (this.cancelled || this.terminated) return;
    this.credits += n;
    this.upstream.onDemand();
  }

  /** Cancels the stream now. */
  cancel(): void {
    if (this.cancelled || this.terminated) return;
    this.cancelled = true;
    this.upstream.cancel(new NoMoreElementsNeeded());
    this.ctx.stopped();
  }

  /** @internal */
  attachUpstream(upstream: Upstream): void {
    this.upstream = upstream;
  }
  /** @internal */
  start(): void {
    if (!this.steps) {
      this.request(Infinity);
      return;
    }
    for (const step of this.steps) {
      this.ctx.scheduler.schedule(() => (step.n === 'cancel' ? this.cancel() : this.request(step.n)), step.frame);
    }
  }
  /** @internal */
  hasDemand(): boolean {
    return this.credits > 0 && !this.cancelled && !this.terminated;
  }
  /** @internal */
  onNext(element: T): void {
    const frame = this.ctx.scheduler.now();
    if (!this.hasDemand()) this._violations.push(`frame ${frame}: element ${describeValue(element)} pushed without demand`);
    else this.credits--;
    this._events.push(nextEvent(frame, element));
  }
  /** @internal */
  onComplete(): void {
    this.terminate(completeEvent(this.ctx.scheduler.now()));
  }
  /** @internal */
  onError(error: unknown): void {
    this._failure = error;
    this.terminate(errorEvent(this.ctx.scheduler.now(), rootCause(error)));
  }

  private terminate(event: MarbleEvent): void {
    if (this.terminated) {
      this._violations.push(`frame ${event.frame}: a second terminal signal`);
      return;
    }
    this.terminated = true;
    this._events.push(event);
    if (!this.cancelled) this.ctx.stopped();
  }
}

/** A source stage fed by a marble observable; materializes its `MarbleSource` handle. */
export function marbleSource<T>(observable: LoggedObservable<T>): Source<T, MarbleSource<T>> {
  return new Source<T, MarbleSource<T>>(
    atom('marbleSource', (ctx) => {
      const source = new MarbleSource<T>(ctx, observable);
      ctx.onStart(() => source.start());
      return { out: source, mat: source };
    }),
  );
}

/** A sink stage requesting per `steps` (unbounded without); materializes its `MarbleSink` handle. */
export function marbleSink<T>(steps: readonly DemandStep[] | undefined): Sink<T, MarbleSink<T>> {
  return new Sink<T, MarbleSink<T>>(
    atom('marbleSink', (ctx) => {
      const sink = new MarbleSink<T>(ctx, steps);
      ctx.onStart(() => sink.start());
      return { in: sink, mat: sink };
    }),
  );
}

/** Parses a marble in run mode (1 frame per character, `^` = frame 0). */
export function parseMarble(marble: string, values?: Readonly<Record<string, unknown>>, error?: unknown): MarbleEvent[] {
  return TestScheduler.parseMarbles(marble, values, error, true, true) as MarbleEvent[];
}

/** Parses a demand marble: digits (or `demandValues` letters) request, one `!` cancels. */
export function parseDemand(marble: string, demandValues: Readonly<Record<string, number>> | undefined): DemandStep[] {
  if (/[|#]/.test(marble) || (marble.match(/!/g)?.length ?? 0) > 1) {
    throw new RangeError(
      `demand marble '${marble}': use digits (or letters of demandValues) to request and one '!' to cancel; '|' and '#' are not allowed`,
    );
  }
  return parseMarble(marble.replace('!', '|')).map(({ frame, notification }) => {
    if (frame < 0) throw new RangeError(`demand marble '${marble}': demand before the start '^' is not allowed`);
    if (notification.kind === 'C') return { frame, n: 'cancel' };
    const letter = notification.value as string;
    const n = demandValues && letter in demandValues ? demandValues[letter] : /^[1-9]$/.test(letter) ? Number(letter) : undefined;
    if (n === undefined || !(n === Infinity || (Number.isInteger(n) && n > 0))) {
      throw new RangeError(
        `demand marble '${marble}': '${letter}' must be a digit 1-9 or a letter of demandValues mapping to a positive integer or Infinity`,
      );
    }
    return { frame, n };
  });
}
