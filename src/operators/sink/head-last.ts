import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { NoSuchElementError } from '../../core/errors';
import { Deferred, FusedSink } from '../../stage/fused-sink';

class HeadLastSink<T> extends FusedSink<T> {
  readonly result = new Deferred<T | undefined>();
  private value: T | undefined;
  private seen = false;
  constructor(
    ctx: StageContext,
    private readonly first: boolean,
    private readonly required: boolean,
  ) {
    super(ctx);
  }
  protected consume(element: T): void {
    this.value = element;
    this.seen = true;
    if (this.first) this.stopEarly();
  }
  protected finish(): void {
    if (!this.seen && this.required) {
      const op = this.first ? 'Sink.head' : 'Sink.last';
      this.result.reject(this.ctx.failure(new NoSuchElementError(`${op} of an empty stream`)));
    } else this.result.resolve(this.value);
  }
  protected failed(error: unknown): void {
    this.result.reject(error);
  }
}

/** @internal `Sink.head` (`required`) / `Sink.headOption`. */
export function headSink<T>(required: boolean): Blueprint {
  return atom(required ? 'head' : 'headOption', (ctx) => {
    const sink = new HeadLastSink<T>(ctx, true, required);
    return { in: sink, mat: sink.result.promise };
  });
}

/** @internal `Sink.last` (`required`) / `Sink.lastOption`. */
export function lastSink<T>(required: boolean): Blueprint {
  return atom(required ? 'last' : 'lastOption', (ctx) => {
    const sink = new HeadLastSink<T>(ctx, false, required);
    return { in: sink, mat: sink.result.promise };
  });
}
