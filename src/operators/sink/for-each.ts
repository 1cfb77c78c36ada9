import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { Deferred, FusedSink } from '../../stage/fused-sink';

class ForEachSink<T> extends FusedSink<T> {
  readonly result = new Deferred<void>();
  constructor(
    ctx: StageContext,
    private readonly f: (element: T) => void,
  ) {
    super(ctx);
  }
  protected consume(element: T): void {
    this.f(element);
  }
  protected finish(): void {
    this.result.resolve();
  }
  protected failed(error: unknown): void {
    this.result.reject(error);
  }
}

/** @internal `Sink.forEach(f)` / `Sink.ignore()`. */
export function forEachSink<T>(f: (element: T) => void, name = 'forEach'): Blueprint {
  requireFunction('Sink.forEach', 'f', f);
  return atom(name, (ctx) => {
    const sink = new ForEachSink<T>(ctx, f);
    return { in: sink, mat: sink.result.promise };
  });
}
