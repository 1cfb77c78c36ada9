import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { NoSuchElementError } from '../../core/errors';
import { requireFunction } from '../../core/validate';
import { Deferred, FusedSink } from '../../stage/fused-sink';

class FoldSink<T, S> extends FusedSink<T> {
  readonly result = new Deferred<S>();
  private empty = true;
  constructor(
    ctx: StageContext,
    private acc: S,
    private readonly f: (acc: S, element: T) => S,
    private readonly reduce: boolean,
  ) {
    super(ctx);
  }
  protected consume(element: T): void {
    if (this.reduce && this.empty) this.acc = element as unknown as S;
    else this.acc = this.f(this.acc, element);
    this.empty = false;
  }
  protected finish(): void {
    if (this.reduce && this.empty) this.result.reject(this.ctx.failure(new NoSuchElementError('Sink.reduce over an empty stream')));
    else this.result.resolve(this.acc);
  }
  protected failed(error: unknown): void {
    this.result.reject(error);
  }
}

/**
 * @internal `Sink.fold`, `Sink.reduce` (`reduce`: the first element is the seed) and `Sink.seq`
 * (`zero` is a factory so each run gets a fresh accumulator).
 */
export function foldSink<T, S>(name: string, zero: () => S, f: (acc: S, element: T) => S, reduce = false): Blueprint {
  requireFunction(`Sink.${name}`, 'f', f);
  return atom(name, (ctx) => {
    const sink = new FoldSink<T, S>(ctx, zero(), f, reduce);
    return { in: sink, mat: sink.result.promise };
  });
}
