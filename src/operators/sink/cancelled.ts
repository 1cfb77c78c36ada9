import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { NoMoreElementsNeeded, type InPort, type Upstream } from '../../core/protocol';

/** Cancels upstream when it starts and never demands anything. */
class CancelledSink implements InPort<unknown> {
  private upstream!: Upstream;
  constructor(ctx: StageContext) {
    ctx.onStart(() => {
      this.upstream.cancel(new NoMoreElementsNeeded());
      ctx.stopped();
    });
  }
  attachUpstream(upstream: Upstream): void {
    this.upstream = upstream;
  }
  hasDemand(): boolean {
    return false;
  }
  onNext(): void {}
  onComplete(): void {}
  onError(): void {}
}

/** @internal `Sink.cancelled()`. */
export function cancelledSink(): Blueprint {
  return atom('cancelled', (ctx) => ({ in: new CancelledSink(ctx), mat: undefined }));
}
