import { Observable, type Subscriber } from 'rxjs';
import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { NoMoreElementsNeeded, type InPort, type Upstream } from '../../core/protocol';

/** The Observable materialized by `Sink.toObservable` can be subscribed once: it is one running stream. */
export class AlreadySubscribedError extends Error {
  override readonly name = 'AlreadySubscribedError';
  constructor() {
    super('this Observable is a materialized stream and can be subscribed only once; run the graph again for another');
  }
}

class ObservableSink<T> implements InPort<T> {
  upstream!: Upstream;
  private subscriber: Subscriber<T> | undefined;
  private subscribed = false;
  private started = false;
  private terminated = false;
  private terminal: { readonly error?: unknown } | undefined;
  readonly observable: Observable<T>;

  constructor(private readonly ctx: StageContext) {
    ctx.onStart(() => {
      this.started = true;
      if (this.subscriber) this.upstream.onDemand();
    });
    this.observable = new Observable<T>((subscriber) => {
      if (this.subscribed) {
        subscriber.error(new AlreadySubscribedError());
        return;
      }
      this.subscribed = true;
      if (this.terminal) {
        if ('error' in this.terminal) subscriber.error(this.terminal.error);
        else subscriber.complete();
        return;
      }
      this.subscriber = subscriber;
      if (this.started) this.upstream.onDemand();
      return () => {
        this.subscriber = undefined;
        if (this.terminated) return;
        this.terminated = true;
        this.upstream.cancel(new NoMoreElementsNeeded());
        this.ctx.stopped();
      };
    });
  }

  attachUpstream(upstream: Upstream): void {
    this.upstream = upstream;
  }
  hasDemand(): boolean {
    const s = this.subscriber;
    return s !== undefined && !s.closed && !this.terminated;
  }
  onNext(element: T): void {
    this.subscriber?.next(element);
  }
  onComplete(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.ctx.stopped();
    if (this.subscriber) this.subscriber.complete();
    else this.terminal = {};
  }
  onError(error: unknown): void {
    if (this.terminated) return;
    this.terminated = true;
    this.ctx.stopped();
    if (this.subscriber) this.subscriber.error(error);
    else this.terminal = { error };
  }
}

/** @internal `Sink.toObservable()` / `source.toObservable()`. */
export function toObservable<T>(): Blueprint {
  return atom('toObservable', (ctx) => {
    const sink = new ObservableSink<T>(ctx);
    return { in: sink, mat: sink.observable };
  });
}
