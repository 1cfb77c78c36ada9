import { defer as deferObservable, type Observable, type ObservableInput } from 'rxjs';
import type { Readable } from 'node:stream';
import { seq, type Blueprint } from '../core/blueprint';
import type { Materializer, MaterializerSettings } from '../core/materializer';
import type { DroppingOverflowStrategy } from '../core/overflow-strategy';
import { Outlet, SourceShape } from '../stage/shape';
import { requireShape, type Graph } from '../graph/graph';
import { cycle, fromAny, type SourceInput } from '../operators/source/from';
import { defer, lazy } from '../operators/source/lazy';
import { emptySource, failedSource, neverSource, singleSource } from '../operators/source/simple-sources';
import { fromObservable } from '../operators/source/from-observable';
import { fromReadable, type FromReadableOptions } from '../operators/source/from-readable';
import { queue, type BoundedSourceQueue } from '../operators/source/queue';
import { range } from '../operators/source/range';
import { tick, type Cancellable } from '../operators/source/tick';
import { unfold, unfoldAsync } from '../operators/source/unfold';
import { unfoldResourceAsync } from '../operators/source/unfold-resource-async';
import { FlowOps, type SourceTag } from './flow-ops';
import type { Flow } from './flow';
import { Keep, type NotUsed } from './keep';
import { RunnableGraph } from './runnable-graph';
import { Sink } from './sink';
import { toObservable } from '../operators/sink/to-observable';
import { SourceWithContext } from '../context/source-with-context';
import { requireFunction } from '../core/validate';

/**
 * A blueprint of a stream with one output: `Out` elements, materialized value `Mat`. Immutable; every `run`
 * creates independent stages.
 *
 * @example
 * const out = await Source.from([1, 2, 3]).map(x => x * 2).runWith(Sink.seq()); // [2, 4, 6]
 */
export class Source<Out, Mat = NotUsed> extends FlowOps<Out, Mat, SourceTag> {
  /** @internal */
  constructor(readonly blueprint: Blueprint) {
    super();
  }

  declare readonly __mat?: Mat;

  /** This source as a graph component (`GraphDSL`): one outlet. */
  get shape(): SourceShape<Out> {
    return new SourceShape(new Outlet<Out>('source.out'));
  }

  protected andThen<T>(stage: Blueprint): Source<T, Mat> {
    return new Source<T, Mat>(seq(this.blueprint, stage, Keep.left));
  }
  protected andThenMat<T, M2, M3>(stage: Blueprint, combine: (l: Mat, r: M2) => M3): Source<T, M3> {
    return new Source<T, M3>(seq(this.blueprint, stage, combine));
  }
  protected withBlueprint(blueprint: Blueprint): Source<Out, Mat> {
    return new Source<Out, Mat>(blueprint);
  }

  /** Connects this source to `flow`, keeping this source's materialized value. */
  via<T>(flow: Flow<Out, T, unknown>): Source<T, Mat> {
    return this.andThen(flow.blueprint);
  }

  /** Connects this source to `flow`, combining materialized values with `combine` (see `Keep`). */
  viaMat<T, M2, M3>(flow: Flow<Out, T, M2>, combine: (left: Mat, right: M2) => M3): Source<T, M3> {
    return this.andThenMat(flow.blueprint, combine);
  }

  /** Connects this source to `sink`, keeping this source's materialized value. */
  to(sink: Sink<Out, unknown>): RunnableGraph<Mat> {
    return new RunnableGraph<Mat>(seq(this.blueprint, sink.blueprint, Keep.left));
  }

  /** Connects this source to `sink`, combining materialized values with `combine`. */
  toMat<M2, M3>(sink: Sink<Out, M2>, combine: (left: Mat, right: M2) => M3): RunnableGraph<M3> {
    return new RunnableGraph<M3>(seq(this.blueprint, sink.blueprint, combine));
  }

  /** Runs this source into `sink` and returns the sink's materialized value. */
  runWith<M2>(sink: Sink<Out, M2>, materializer?: Materializer | MaterializerSettings): M2 {
    return this.toMat(sink, Keep.right).run(materializer);
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): Source<Out, M2> {
    return new Source<Out, M2>({ kind: 'mapMat', inner: this.blueprint, f });
  }

  /**
   * Pairs each element with a context computed from it (typically its offset), giving a `SourceWithContext` whose
   * operators keep each element's context up to the end (e.g. `Committer.sinkWithContext`).
   * - Emits when: upstream emits. Backpressures when: downstream does. Completes when: upstream completes.
   * - Fails when: `f` throws.
   * @example changes.asSourceWithContext(c => c.offset).map(toMessage).toMat(Committer.sinkWithContext(committable), Keep.right)
   */
  asSourceWithContext<Ctx>(f: (element: Out) => Ctx): SourceWithContext<Out, Ctx, Mat> {
    requireFunction('asSourceWithContext', 'f', f);
    return SourceWithContext.fromTuples(this.map((element): [Out, Ctx] => [element, f(element)]));
  }

  /**
   * A cold RxJS Observable of this source: each subscription runs the stream once (nothing runs before). The
   * subscriber receives every element (RxJS cannot backpressure, so consume synchronously or buffer explicitly);
   * unsubscribing cancels the stream.
   * @example Source.range(1, 3).toObservable().subscribe(console.log)
   */
  toObservable(materializer?: Materializer | MaterializerSettings): Observable<Out> {
    return deferObservable(() => this.runWith(new Sink<Out, Observable<Out>>(toObservable<Out>()), materializer));
  }

  // ---- factories ------------------------------------------------------------------------------------------

  /**
   * Emits the elements of an array, iterable or async iterable (pulled one at a time, `return()` called on
   * cancel), or the value of a promise.
   * - Emits when: downstream pulls and the next element is available. Completes when: the input is exhausted.
   * - Fails when: the iterator throws or the promise rejects.
   * @example Source.from([1, 2, 3]); Source.from(asyncGenerator()); Source.from(fetchConfig())
   */
  static from<T>(input: SourceInput<T>): Source<T, NotUsed> {
    return new Source<T, NotUsed>(fromAny(input));
  }

  /**
   * Emits one element, then completes.
   * @example Source.single('hello')
   */
  static single<T>(element: T): Source<T, NotUsed> {
    return new Source<T, NotUsed>(singleSource(element));
  }

  /** Completes at once without emitting. @example Source.empty<number>() */
  static empty<T = never>(): Source<T, NotUsed> {
    return new Source<T, NotUsed>(emptySource());
  }

  /** Fails at once with `error`. @example Source.failed(new Error('boom')) */
  static failed<T = never>(error: unknown): Source<T, NotUsed> {
    return new Source<T, NotUsed>(failedSource(error));
  }

  /** Never emits and never completes (until cancelled). @example Source.never<number>() */
  static never<T = never>(): Source<T, NotUsed> {
    return new Source<T, NotUsed>(neverSource());
  }

  /**
   * Emits `start`, `start + step`, … up to and including `end`.
   * @example Source.range(1, 5) // 1, 2, 3, 4, 5
   */
  static range(start: number, end: number, step = 1): Source<number, NotUsed> {
    return new Source<number, NotUsed>(range(start, end, step));
  }

  /** Emits `element` forever. @example Source.repeat('ping').take(3) */
  static repeat<T>(element: T): Source<T, NotUsed> {
    return new Source<T, NotUsed>(cycle(() => [element]));
  }

  /** Emits the elements of `make()` over and over. @example Source.cycle(() => [1, 2]).take(5) // 1, 2, 1, 2, 1 */
  static cycle<T>(make: () => Iterable<T>): Source<T, NotUsed> {
    return new Source<T, NotUsed>(cycle(make));
  }

  /**
   * Emits `value` after `initialDelayMs` and then every `intervalMs`; a tick is dropped if downstream is not
   * ready for it (no catching up later). Materializes a `Cancellable` that completes the source.
   * - Emits when: a tick is due and downstream is pulling. Backpressures when: never (ticks are dropped).
   * - Completes when: `cancel()` is called on the `Cancellable`. Fails when: never.
   * @example Source.tick(0, 1_000, 'poll')
   */
  static tick<T>(initialDelayMs: number, intervalMs: number, value: T): Source<T, Cancellable> {
    return new Source<T, Cancellable>(tick(initialDelayMs, intervalMs, value));
  }

  /**
   * Emits elements computed from a state: `f(state)` returns `[nextState, element]`, or `undefined` to complete.
   * - Emits when: downstream pulls (`f` is called once per pull, never ahead). Backpressures when: downstream does.
   * - Completes when: `f` returns `undefined`. Fails when: `f` throws or returns something else than a pair.
   * @example Source.unfold(0, n => (n < 3 ? [n + 1, n] : undefined)) // 0, 1, 2
   */
  static unfold<S, T>(state: S, f: (state: S) => readonly [S, T] | undefined): Source<T, NotUsed> {
    return new Source<T, NotUsed>(unfold(state, f));
  }

  /**
   * Like `unfold` with an asynchronous step (Promise or ObservableInput, whose first value counts); at most one
   * step runs at a time, started on a pull. Cancelling unsubscribes the step in flight.
   * - Emits when: the step started by a pull yields `[nextState, element]`. Backpressures when: downstream does.
   * - Completes when: a step yields `undefined`. Fails when: `f` throws, or a step rejects, errors or completes
   *   without a value.
   * @example Source.unfoldAsync(null, async cursor => { const page = await fetchPage(cursor); return page.next ? [page.next, page] : undefined; })
   */
  static unfoldAsync<S, T>(
    state: S,
    f: (state: S) => ObservableInput<readonly [S, T] | undefined>,
  ): Source<T, NotUsed> {
    return new Source<T, NotUsed>(unfoldAsync(state, f));
  }

  /**
   * Opens a resource (at materialization), reads one element per pull until `read` yields `undefined`, and closes
   * it exactly once, whether the stream completes, fails or is cancelled. At most one of open/read/close runs at a
   * time: a cancel or failure that arrives while `open` or `read` is in flight closes after it settled.
   * Completion and failure are signalled after `close` settled, so the resource is released when the stream ends.
   * `close` may return nothing, a Promise or an ObservableInput (completing without a value is fine).
   * - Emits when: a `read` started by a pull yields an element. Backpressures when: downstream does (no read runs).
   * - Completes when: `read` yields `undefined` and `close` succeeded.
   * - Fails when: `open` or `read` throws or fails (after closing; a `close` error then is dropped), or `close`
   *   fails after the end of data. After a cancel, a `close` error has nowhere to go and is dropped.
   * @example Source.unfoldResourceAsync(() => pool.connect(), c => c.nextRow(), c => c.release())
   */
  static unfoldResourceAsync<R, T>(
    open: () => ObservableInput<R>,
    read: (resource: R) => ObservableInput<T | undefined>,
    close: (resource: R) => ObservableInput<unknown> | void,
  ): Source<T, NotUsed> {
    return new Source<T, NotUsed>(unfoldResourceAsync(open, read, close));
  }

  /**
   * A source fed by a bounded queue (a ring buffer of `bufferSize`): `offer(x)` answers at once with `enqueued`,
   * `dropped` (full), `closed` (completed or cancelled) or `failed`; `ready()` resolves when there is room, for
   * producers that want to wait. There is no Promise-returning `offer`: Pekko deprecated it because it can hang.
   * Reports `BufferStats` (stage name `queue`).
   * - Emits when: an element is queued and downstream pulls. Backpressures when: never; a full queue drops offers.
   * - Completes when: `complete()` was called and the queued elements were delivered.
   * - Fails when: `fail(e)` is called (at once; queued elements are dropped).
   * @example const [q, done] = Source.queue<number>(100).toMat(Sink.forEach(console.log), Keep.both).run();
   * while (q.offer(row) === 'dropped') await q.ready(); // wait for room, then offer again
   */
  static queue<T>(bufferSize: number): Source<T, BoundedSourceQueue<T>> {
    return new Source<T, BoundedSourceQueue<T>>(queue<T>(bufferSize));
  }

  /**
   * Subscribes to an RxJS Observable (any ObservableInput) at materialization. A hot observable cannot be slowed
   * down, so the overflow strategy is mandatory (`backpressure` is rejected): elements arriving when `bufferSize`
   * elements wait are handled by `overflow` (`dropHead`, `dropTail`, `dropBuffer`, `dropNew`, or `fail` with
   * `BufferOverflowError`). Unsubscribes on cancel and failure. Reports `BufferStats`.
   * - Emits when: an element is buffered and downstream pulls. Backpressures when: never (it drops or fails).
   * - Completes when: the observable completed and the buffered elements were delivered.
   * - Fails when: the observable errors (at once, buffered elements are dropped, like Akka's `Source.actorRef`),
   *   or the buffer overflows under `fail`.
   * @example Source.fromObservable(fromEvent(emitter, 'row'), { bufferSize: 1000, overflow: 'fail' })
   */
  static fromObservable<T>(
    observable: ObservableInput<T>,
    options: { readonly bufferSize: number; readonly overflow: DroppingOverflowStrategy },
  ): Source<T, NotUsed> {
    return new Source<T, NotUsed>(fromObservable(observable, options));
  }

  /**
   * Reads a Node `Readable` by pulling (`read()`, waiting for `'readable'` when it returns null), so the readable's
   * own buffering (`highWaterMark`) applies and nothing more: it never flows. Object-mode and byte streams;
   * `chunkSize` sets the bytes per `read(n)`. The readable is destroyed on cancel or failure.
   * - Emits when: downstream pulls and `read()` returns a chunk. Backpressures when: downstream does (no read).
   * - Completes when: the readable ends. Fails when: it errors or is closed before its end.
   * @example Source.fromReadable(fs.createReadStream(path))
   */
  static fromReadable<T = Buffer>(readable: Readable, options?: FromReadableOptions): Source<T, NotUsed> {
    return new Source<T, NotUsed>(fromReadable<T>(readable, options));
  }

  /**
   * Creates the source with `factory` on first demand (not at materialization); materializes a Promise of its
   * materialized value, which rejects with `NeverMaterializedError` if the stream is cancelled before the first
   * pull, or with the failure if `factory` throws.
   * - Emits when: the inner source emits. Backpressures when: downstream does (demand passes through).
   * - Completes when: the inner source completes. Fails when: `factory` throws or the inner source fails.
   * @example Source.lazy(() => Source.from(expensiveQuery()))
   */
  static lazy<T, M>(factory: () => Source<T, M>): Source<T, Promise<M>> {
    return new Source<T, Promise<M>>(lazy(factory));
  }

  /**
   * Creates the source with `factory` each time the stream is materialized and materializes it in place: its
   * materialized value is this source's, and it behaves (emits, backpressures, completes, fails) exactly as the
   * created source. If `factory` throws, `run()` throws.
   * @example Source.defer(() => Source.single(Date.now()))
   */
  static defer<T, M>(factory: () => Source<T, M>): Source<T, M> {
    return new Source<T, M>(defer(factory));
  }

  /**
   * A source from a graph with a `SourceShape`: a custom stage (the operator-author API) or a `GraphDSL` graph.
   * @example Source.fromGraph(new MyPollingSource(client))
   * @example Source.fromGraph(GraphDSL.create(b => { const m = b.add(Merge.create<number>(2)); b.from(a).to(m.in(0)); b.from(c).to(m.in(1)); return new SourceShape(m.out); }))
   */
  static fromGraph<T, M>(graph: Graph<SourceShape<T>, M>): Source<T, M> {
    requireShape(graph, 1, 0, 'Source.fromGraph', 'a SourceShape (no inlets, one outlet)');
    return new Source<T, M>(graph.blueprint);
  }
}
