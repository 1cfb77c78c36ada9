import type { StageContext } from '../core/blueprint';
import { NoMoreElementsNeeded, type InPort, type Upstream } from '../core/protocol';

/** A Promise with its settle functions, marked handled so an unobserved failure cannot crash the process. */
export class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;
  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => {});
  }
}

/**
 * Base of synchronous sinks that always have demand (forEach, fold, seq, head…). Subclasses implement `consume`
 * and settle their result in `finish`/`failed`. A throw from `consume` cancels upstream and fails the sink.
 */
export abstract class FusedSink<T> implements InPort<T> {
  upstream!: Upstream;
  protected done = false;

  constructor(protected readonly ctx: StageContext) {
    ctx.onStart(() => this.upstream.onDemand());
  }

  attachUpstream(upstream: Upstream): void {
    this.upstream = upstream;
  }

  hasDemand(): boolean {
    return !this.done;
  }

  /** Handles one element. */
  protected abstract consume(element: T): void;
  /** Upstream completed (or the sink stopped early by `stopEarly`). */
  protected abstract finish(): void;
  /** The stream failed (the error is a `StageFailure`). */
  protected abstract failed(error: unknown): void;

  onNext(element: T): void {
    if (this.done) return;
    try {
      this.consume(element);
    } catch (e) {
      this.done = true;
      const failure = this.ctx.failure(e);
      this.upstream.cancel(failure);
      this.failed(failure);
      this.ctx.stopped();
    }
  }

  onComplete(): void {
    if (this.done) return;
    this.done = true;
    this.finish();
    this.ctx.stopped();
  }

  onError(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failed(error);
    this.ctx.stopped();
  }

  /** Cancels upstream and finishes (e.g. `head` got its element). */
  protected stopEarly(): void {
    if (this.done) return;
    this.done = true;
    this.upstream.cancel(new NoMoreElementsNeeded());
    this.finish();
    this.ctx.stopped();
  }
}
