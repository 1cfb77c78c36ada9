import { isObservable } from 'rxjs';
import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { closeIterator } from '../../core/close-iterator';
import { GraphStageLogic } from '../../stage/graph-stage';
import { FusedSource } from '../../stage/fused-source';
import { Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';

/** What `Source.from` accepts. */
export type SourceInput<T> = Iterable<T> | AsyncIterable<T> | PromiseLike<T>;

class IterableSource<T> extends FusedSource<T> {
  private iterator: Iterator<T> | undefined;
  constructor(
    ctx: StageContext,
    private readonly make: () => Iterator<T>,
    private readonly repeat: boolean,
  ) {
    super(ctx);
  }
  protected produce(): void {
    this.iterator ??= this.make();
    const r = this.iterator.next();
    if (r.done) {
      if (this.repeat) {
        this.iterator = this.make();
        const first = this.iterator.next();
        if (first.done) throw new TypeError('Source.cycle: the iterable is empty');
        this.emit(first.value);
        return;
      }
      this.iterator = undefined;
      this.complete();
      return;
    }
    this.emit(r.value);
  }
  protected override onStop(): void {
    const it = this.iterator;
    this.iterator = undefined;
    closeIterator(it);
  }
}

class ArraySource<T> extends FusedSource<T> {
  private i = 0;
  constructor(
    ctx: StageContext,
    private readonly array: readonly T[],
  ) {
    super(ctx);
  }
  protected produce(): void {
    if (this.i < this.array.length) this.emit(this.array[this.i++] as T);
    else this.complete();
  }
}

const out = new Outlet<unknown>('from.out');

class AsyncIterableLogic<T> extends GraphStageLogic {
  private iterator: AsyncIterator<T> | undefined;
  constructor(ctx: StageContext, iterable: AsyncIterable<T>) {
    super(ctx, [], [out]);
    const onResult = this.getAsyncCallback<IteratorResult<T>>((r) => {
      if (r.done) this.completeStage();
      else this.push(out, r.value);
    });
    const onError = this.getAsyncCallback<unknown>((e) => this.failStage(e));
    this.setHandler(out, {
      onPull: () => {
        this.iterator ??= iterable[Symbol.asyncIterator]();
        this.iterator.next().then(onResult, onError);
      },
    });
  }
  override postStop(): void {
    // Closes the iterator on cancel or failure (an async generator runs its `finally` after a pending next()).
    closeIterator(this.iterator);
  }
}

class PromiseLogic<T> extends GraphStageLogic {
  constructor(ctx: StageContext, promise: PromiseLike<T>) {
    super(ctx, [], [out]);
    const onValue = this.getAsyncCallback<T>((v) => {
      this.emit(out, v);
      this.complete(out);
    });
    const onError = this.getAsyncCallback<unknown>((e) => this.failStage(e));
    this.setHandler(out, { onPull: () => {} });
    promise.then(onValue, onError);
  }
}

/** @internal `Source.from`: picks the source for arrays, iterables, async iterables and promises. */
export function fromAny<T>(input: SourceInput<T>): Blueprint {
  if (Array.isArray(input)) {
    const array = input as readonly T[];
    return atom('fromArray', (ctx) => ({ out: new ArraySource<T>(ctx, array), mat: undefined }));
  }
  if (input != null && typeof (input as Iterable<T>)[Symbol.iterator] === 'function' && !isObservable(input)) {
    const iterable = input as Iterable<T>;
    return atom('fromIterator', (ctx) => ({
      out: new IterableSource<T>(ctx, () => iterable[Symbol.iterator](), false),
      mat: undefined,
    }));
  }
  if (input != null && typeof (input as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    const iterable = input as AsyncIterable<T>;
    return logicBlueprint('fromAsyncIterable', (ctx) => new AsyncIterableLogic(ctx, iterable), undefined, out);
  }
  if (input != null && typeof (input as PromiseLike<T>).then === 'function') {
    const promise = input as PromiseLike<T>;
    return logicBlueprint('fromPromise', (ctx) => new PromiseLogic(ctx, promise), undefined, out);
  }
  if (isObservable(input)) {
    throw new TypeError('Source.from: got an Observable; use Source.fromObservable(obs, { bufferSize, overflow })');
  }
  throw new TypeError(
    `Source.from: expected an array, iterable, async iterable or promise, got ${input === null ? 'null' : typeof input}`,
  );
}

/** @internal `Source.repeat`/`Source.cycle`: emits the elements of `make()` again and again. */
export function cycle<T>(make: () => Iterable<T>): Blueprint {
  return atom('cycle', (ctx) => ({
    out: new IterableSource<T>(ctx, () => make()[Symbol.iterator](), true),
    mat: undefined,
  }));
}
