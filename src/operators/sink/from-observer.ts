import type { Observer } from 'rxjs';
import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { reportUncaught } from '../../core/report-uncaught';
import { FusedSink } from '../../stage/fused-sink';

/**
 * Always demands and forwards every signal to a (partial) RxJS observer. A throwing `next` fails the stream (the
 * observer then gets `error`); a throwing `complete`/`error` cannot fail a stream that already ended, so the error
 * is rethrown from a scheduler task, as RxJS reports errors thrown by observers.
 */
class ObserverSink<T> extends FusedSink<T> {
  constructor(
    ctx: StageContext,
    private readonly observer: Partial<Observer<T>>,
  ) {
    super(ctx);
  }
  protected consume(element: T): void {
    this.observer.next?.(element);
  }
  protected finish(): void {
    this.report(() => this.observer.complete?.());
  }
  protected failed(error: unknown): void {
    this.report(() => this.observer.error?.(error));
  }
  private report(callback: () => void): void {
    try {
      callback();
    } catch (e) {
      reportUncaught(this.ctx.scheduler, e);
    }
  }
}

/** @internal `Sink.fromObserver(observer)`, and `Sink.onComplete` (an observer of the end only). */
export function fromObserver<T>(observer: Partial<Observer<T>>, name = 'fromObserver'): Blueprint {
  if (observer == null || typeof observer !== 'object') {
    throw new TypeError(`Sink.${name}: observer must be an object with next/error/complete, got ${String(observer)}`);
  }
  return atom(name, (ctx) => ({ in: new ObserverSink<T>(ctx, observer), mat: undefined }));
}
