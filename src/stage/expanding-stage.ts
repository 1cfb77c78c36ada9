import { closeIterator } from '../core/close-iterator';
import { FusedStage } from './fused-stage';

/**
 * Base of fused stages that may emit several elements per input or hold elements back (mapConcat, scan's seed,
 * intersperse). The elements given to `emitMultiple` go out as downstream demand allows; while any of them wait
 * the stage has no demand, so upstream is asked for more only once they are all out, and completion waits for
 * them too. The iterator is read one element ahead, so the stage completes as soon as its last element is out.
 *
 * An error thrown by the iterator goes through supervision (`resume`/`restart` drop the rest of it).
 */
export abstract class ExpandingStage<In, Out> extends FusedStage<In, Out> {
  override readonly passesDemand = false;
  private iterator: Iterator<Out> | undefined;
  /** The iterator's next element, already read. */
  private head: Out | undefined;
  private upstreamDone = false;
  private finalTaken = false;
  private draining = false;

  override hasDemand(): boolean {
    return !this.closed && this.iterator === undefined && this.downstream.hasDemand();
  }

  override onComplete(): void {
    if (this.closed || this.upstreamDone) return;
    this.upstreamDone = true;
    this.finishIfDrained();
  }

  override onDemand(): void {
    if (this.closed) return;
    this.drain();
    if (this.iterator === undefined && !this.closed && !this.upstreamDone) this.upstream.onDemand();
  }

  override cancel(cause?: unknown): void {
    this.discardPending();
    if (!this.upstreamDone) {
      super.cancel(cause);
      return;
    }
    if (this.closed) return;
    this.closed = true;
    this.ctx.stopped();
  }

  /** Emits `elements` as demand allows; call only while nothing is pending (i.e. from `onNext`). */
  protected emitMultiple(elements: Iterator<Out>): void {
    if (this.closed) return;
    this.iterator = elements;
    this.advance();
    this.drain();
  }

  /** Called once after upstream completed and every pending element is out: elements to emit last. */
  protected finalElements(): Iterator<Out> | undefined {
    return undefined;
  }

  protected override failStage(error: unknown): void {
    this.discardPending();
    if (!this.upstreamDone) {
      super.failStage(error);
      return;
    }
    if (this.closed) return;
    this.closed = true;
    this.downstream.onError(this.ctx.failure(error));
    this.ctx.stopped();
  }

  protected override onUpstreamFailure(error: unknown): void {
    this.discardPending();
    super.onUpstreamFailure(error);
  }

  private advance(): void {
    let r: IteratorResult<Out>;
    try {
      r = this.iterator!.next();
    } catch (e) {
      this.iterator = undefined;
      this.supervise(e);
      return;
    }
    if (r.done) this.iterator = undefined;
    else this.head = r.value;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.iterator !== undefined && !this.closed && this.downstream.hasDemand()) {
        const element = this.head as Out;
        this.head = undefined;
        this.downstream.onNext(element);
        if (this.iterator !== undefined && !this.closed) this.advance();
      }
    } finally {
      this.draining = false;
    }
    this.finishIfDrained();
  }

  private finishIfDrained(): void {
    if (this.iterator !== undefined || this.closed || !this.upstreamDone || this.draining) return;
    if (!this.finalTaken) {
      this.finalTaken = true;
      const last = this.finalElements();
      if (last) {
        this.emitMultiple(last);
        return;
      }
    }
    this.closed = true;
    this.downstream.onComplete();
    this.ctx.stopped();
  }

  /** Drops waiting elements and closes the iterator (a generator runs its `finally`). */
  private discardPending(): void {
    const it = this.iterator;
    this.iterator = undefined;
    this.head = undefined;
    closeIterator(it);
  }
}
