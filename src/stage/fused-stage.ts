import { atom, type Blueprint, type StageContext } from '../core/blueprint';
import { NoMoreElementsNeeded, type Downstream, type InPort, type OutPort, type Upstream } from '../core/protocol';

/**
 * Base of the fast synchronous stages (map, filter, grouped, take…) that run fused with their neighbours: an
 * element moves through them by plain method calls, with no queue and no per-element bookkeeping.
 *
 * A subclass that emits at most one element per input (and only while handling that input) keeps
 * `passesDemand = true`, so producers look straight through it when checking demand. A subclass that may hold
 * elements back (scan's seed, intersperse, mapConcat) sets it to false and overrides `hasDemand`.
 */
export abstract class FusedStage<In, Out> implements InPort<In>, OutPort<Out> {
  readonly passesDemand: boolean = true;
  upstream!: Upstream;
  downstream!: Downstream<Out>;
  /** True once the stage completed, failed or was cancelled. */
  protected closed = false;
  private finalElement: { readonly value: Out } | undefined;

  constructor(protected readonly ctx: StageContext) {}

  attachUpstream(upstream: Upstream): void {
    this.upstream = upstream;
  }
  attachDownstream(downstream: Downstream<Out>): void {
    this.downstream = downstream;
  }

  hasDemand(): boolean {
    return !this.closed && this.downstream.hasDemand();
  }

  abstract onNext(element: In): void;

  onComplete(): void {
    if (this.closed) return;
    this.closed = true;
    this.onUpstreamFinish();
  }

  onError(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.onUpstreamFailure(error);
  }

  onDemand(): void {
    if (this.finalElement) {
      this.flushFinal();
      return;
    }
    if (!this.closed) this.upstream.onDemand();
  }

  cancel(cause?: unknown): void {
    if (this.finalElement) {
      // Upstream already finished; the final element is dropped and the stage stops here.
      this.finalElement = undefined;
      this.ctx.stopped();
      return;
    }
    if (this.closed) return;
    this.closed = true;
    this.upstream.cancel(cause);
    this.ctx.stopped();
  }

  /** Upstream completed (the stage is already closed). Default: complete downstream. */
  protected onUpstreamFinish(): void {
    this.downstream.onComplete();
    this.ctx.stopped();
  }

  /** Upstream failed (the stage is already closed). Default: pass the failure on. */
  protected onUpstreamFailure(error: unknown): void {
    this.downstream.onError(error);
    this.ctx.stopped();
  }

  /** After upstream finished: emits `value` as soon as downstream has demand, then completes. */
  protected emitThenComplete(value: Out): void {
    this.finalElement = { value };
    this.flushFinal();
  }

  /** Completes downstream and cancels upstream (e.g. `take` reached its limit). */
  protected completeStage(): void {
    if (this.closed) return;
    this.closed = true;
    this.upstream.cancel(new NoMoreElementsNeeded());
    this.downstream.onComplete();
    this.ctx.stopped();
  }

  /** Fails downstream with `error` wrapped in a `StageFailure` and cancels upstream. */
  protected failStage(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    const failure = this.ctx.failure(error);
    this.upstream.cancel(failure);
    this.downstream.onError(failure);
    this.ctx.stopped();
  }

  /**
   * Applies the supervision decider to an error thrown by a user function. Returns true when the element should
   * be dropped and the stream go on (`resume`, or `restart` after `restart()`); otherwise the stage has failed.
   */
  protected supervise(error: unknown): boolean {
    const directive = this.ctx.decide(error);
    if (directive === 'resume') return true;
    if (directive === 'restart') {
      this.restart();
      return true;
    }
    this.failStage(error);
    return false;
  }

  /** Resets the stage's state for the `restart` directive; stateless stages need not override. */
  protected restart(): void {}

  private flushFinal(): void {
    const f = this.finalElement;
    if (!f || !this.downstream.hasDemand()) return;
    this.finalElement = undefined;
    this.downstream.onNext(f.value);
    this.downstream.onComplete();
    this.ctx.stopped();
  }
}

/** The blueprint of a stage that is its own input and output port (a `FusedStage`, the buffer), made per run. */
export function fusedBlueprint(name: string, create: (ctx: StageContext) => InPort<any> & OutPort<any>): Blueprint {
  return atom(name, (ctx) => {
    const stage = create(ctx);
    return { in: stage, out: stage, mat: undefined };
  });
}
