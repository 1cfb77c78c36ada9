import { from, Subject, takeUntil, type Observable, type ObservableInput } from 'rxjs';
import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import {
  BufferOverflowError,
  checkOverflowStrategy,
  makeRoom,
  type DroppingOverflowStrategy,
} from '../../core/overflow-strategy';
import { requirePositiveInt } from '../../core/validate';
import { PushSource } from './push-source';

/** Options of `Source.fromObservable`. */
export interface FromObservableOptions {
  /** Elements held while downstream is not ready (positive integer). */
  readonly bufferSize: number;
  /** What to do with an element that arrives when the buffer is full (`backpressure` is impossible here). */
  readonly overflow: DroppingOverflowStrategy;
}

/**
 * Subscribes at start. Elements wait in the ring buffer until downstream pulls; when it is full the overflow
 * strategy decides. Completion is delivered after the buffered elements; an error fails the stream at once,
 * dropping what is buffered (as Akka's `Source.actorRef` does with a failure message). Unsubscribes on cancel and
 * failure; `takeUntil(stopped)` also ends synchronous observables that are still emitting when that happens.
 */
class ObservableSource<T> extends PushSource<T> {
  private readonly stopped = new Subject<void>();

  constructor(
    ctx: StageContext,
    private readonly input: Observable<T>,
    private readonly overflow: DroppingOverflowStrategy,
    capacity: number,
  ) {
    super(ctx, capacity);
  }

  protected override afterStart(): void {
    this.input
      .pipe(takeUntil(this.stopped))
      .subscribe({
        next: (element) => this.offer(element),
        error: (e) => this.fail(e),
        complete: () => this.completeAfterBuffered(),
      });
  }

  private offer(element: T): void {
    if (this.done || this.completing) return;
    if (this.buffer.isFull) {
      const room = makeRoom(this.buffer, this.overflow);
      if (room === 'drop') return;
      if (room === 'fail') return this.fail(new BufferOverflowError(this.capacity));
    }
    this.enqueue(element);
  }

  protected override onStop(): void {
    super.onStop();
    this.stopped.next();
  }
}

/** @internal `Source.fromObservable(observable, { bufferSize, overflow })`. */
export function fromObservable<T>(observable: ObservableInput<T>, options: FromObservableOptions): Blueprint {
  const op = 'Source.fromObservable';
  let input: Observable<T>;
  try {
    input = from(observable); // checks what it got now; subscribes only when run
  } catch {
    const got = observable === null ? 'null' : typeof observable;
    throw new TypeError(`${op}: observable must be an ObservableInput (Observable, Promise, iterable…), got ${got}`);
  }
  if (options == null || typeof options !== 'object') {
    throw new TypeError(`${op}: options { bufferSize, overflow } are required, got ${String(options)}`);
  }
  const { bufferSize, overflow } = options;
  requirePositiveInt(op, 'bufferSize', bufferSize);
  if ((overflow as string) === 'backpressure') {
    throw new TypeError(
      `${op}: overflow 'backpressure' is impossible: an Observable cannot be slowed down; choose dropHead, dropTail, dropBuffer, dropNew or fail`,
    );
  }
  checkOverflowStrategy(overflow, `${op}: overflow`);
  return atom('fromObservable', (ctx) => ({
    out: new ObservableSource<T>(ctx, input, overflow, bufferSize),
    mat: undefined,
  }));
}
