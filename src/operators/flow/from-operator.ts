import { Observable, type OperatorFunction, type Subscriber, type Subscription } from 'rxjs';
import type { Blueprint, StageContext } from '../../core/blueprint';
import { RingBuffer } from '../../core/ring-buffer';
import { NoMoreElementsNeeded } from '../../core/protocol';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

/** Most elements a fused RxJS operator may emit without downstream demand before the stream fails. */
const MAX_OUTBOX = 1024;

/** The RxJS operator passed to `Flow.fromOperator` emitted when nothing asked for it (it is not synchronous). */
export class UnboundedOperatorError extends Error {
  override readonly name = 'UnboundedOperatorError';
}

class OperatorStage<In, Out> extends FusedStage<In, Out> {
  override readonly passesDemand = false;
  private input: Subscriber<In> | undefined;
  private subscription: Subscription | undefined;
  private readonly outbox = new RingBuffer<Out>(MAX_OUTBOX);
  private upstreamFinished = false;
  private outputCompleted = false;
  private finished = false;

  constructor(ctx: StageContext, operator: OperatorFunction<In, Out>) {
    super(ctx);
    const source = new Observable<In>((subscriber) => {
      this.input = subscriber;
    });
    ctx.onStart(() => {
      try {
        this.subscription = operator(source).subscribe({
          next: (x) => this.onOutput(x),
          error: (e) => this.fail(e),
          complete: () => {
            this.outputCompleted = true;
            this.flush();
          },
        });
      } catch (e) {
        this.fail(e); // the operator function itself threw
      }
    });
  }

  /** No input is taken before the operator subscribed to it (an operator may never do, e.g. `() => NEVER`). */
  override hasDemand(): boolean {
    return (
      !this.closed &&
      this.input !== undefined &&
      !this.outputCompleted &&
      this.outbox.isEmpty &&
      this.downstream.hasDemand()
    );
  }

  onNext(element: In): void {
    this.input!.next(element);
    this.flush();
  }

  override onDemand(): void {
    this.flush();
    if (this.outbox.isEmpty && !this.upstreamFinished && !this.closed) this.upstream.onDemand();
  }

  /** Also after upstream finished while output still waits, so `closed` alone cannot tell whether to stop. */
  override cancel(cause?: unknown): void {
    if (this.finished) return;
    this.finished = this.closed = true;
    this.subscription?.unsubscribe();
    this.outbox.clear();
    if (!this.upstreamFinished) this.upstream.cancel(cause);
    this.ctx.stopped();
  }

  protected override onUpstreamFinish(): void {
    this.upstreamFinished = true;
    this.input?.complete(); // the operator completes its output when it is done (its complete callback flushes)
  }

  protected override onUpstreamFailure(error: unknown): void {
    this.finished = true;
    this.subscription?.unsubscribe();
    this.outbox.clear();
    super.onUpstreamFailure(error);
  }

  private onOutput(x: Out): void {
    if (this.outbox.isEmpty && this.downstream.hasDemand()) {
      this.downstream.onNext(x);
      return;
    }
    if (this.outbox.isFull) {
      this.fail(
        new UnboundedOperatorError(
          `Flow.fromOperator: the operator emitted more than ${MAX_OUTBOX} elements without demand; only synchronous operators can be fused`,
        ),
      );
      return;
    }
    this.outbox.push(x);
  }

  /** Fails downstream (also after upstream finished, when `failStage` no longer applies) and cancels upstream. */
  private fail(error: unknown): void {
    if (this.finished) return;
    this.finished = this.closed = true;
    this.subscription?.unsubscribe();
    this.outbox.clear();
    const failure = this.ctx.failure(error);
    if (!this.upstreamFinished) this.upstream.cancel(failure);
    this.downstream.onError(failure);
    this.ctx.stopped();
  }

  private flush(): void {
    while (!this.outbox.isEmpty && this.downstream.hasDemand()) this.downstream.onNext(this.outbox.shift());
    if (this.outputCompleted && this.outbox.isEmpty && !this.finished) {
      this.finished = this.closed = true;
      if (!this.upstreamFinished) this.upstream.cancel(new NoMoreElementsNeeded()); // the operator completed early
      this.downstream.onComplete();
      this.ctx.stopped();
    }
  }
}

/** @internal `Flow.fromOperator(op)`. */
export function fromOperator<In, Out>(operator: OperatorFunction<In, Out>): Blueprint {
  if (typeof operator !== 'function') {
    throw new TypeError(`Flow.fromOperator: expected an RxJS operator function, got ${typeof operator}`);
  }
  return fusedBlueprint('fromOperator', (ctx) => new OperatorStage<In, Out>(ctx, operator));
}
