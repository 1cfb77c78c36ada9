import type { Observable, ObservableInput, Observer } from 'rxjs';
import { Attributes } from '../core/attributes';
import type { Blueprint } from '../core/blueprint';
import { Inlet, SinkShape } from '../stage/shape';
import { requireShape, type Graph } from '../graph/graph';
import { cancelledSink } from '../operators/sink/cancelled';
import { foldSink } from '../operators/sink/fold';
import { forEachSink } from '../operators/sink/for-each';
import { forEachAsyncSink } from '../operators/sink/for-each-async';
import { fromObserver } from '../operators/sink/from-observer';
import { headSink, lastSink } from '../operators/sink/head-last';
import { onCompleteSink } from '../operators/sink/on-complete';
import { toObservable } from '../operators/sink/to-observable';
import type { NotUsed } from './keep';

/**
 * A blueprint of a stream end with one input: consumes `In` elements, materializes `Mat` (usually a Promise of
 * the result or of completion). A failing stream rejects the Promise with a `StageFailure`. The Promises are
 * marked handled, so a stream whose result nobody awaits cannot crash the process with an unhandled rejection.
 *
 * @example
 * const total = await Source.from(orders).runWith(Sink.fold(0, (sum, o) => sum + o.amount));
 */
export class Sink<In, Mat = NotUsed> {
  /** @internal */
  constructor(readonly blueprint: Blueprint) {}

  declare readonly __mat?: Mat;

  /** This sink as a graph component (`GraphDSL`): one inlet. */
  get shape(): SinkShape<In> {
    return new SinkShape(new Inlet<In>('sink.in'));
  }

  /** Transforms the materialized value. */
  mapMaterializedValue<M2>(f: (mat: Mat) => M2): Sink<In, M2> {
    return new Sink<In, M2>({ kind: 'mapMat', inner: this.blueprint, f });
  }

  /** Names this sink for graph paths. */
  named(name: string): Sink<In, Mat> {
    return new Sink<In, Mat>({ kind: 'attrs', inner: this.blueprint, attributes: Attributes.name(name) });
  }

  /**
   * Calls `f` for each element; resolves when the stream completes.
   * - Backpressures when: never (f is synchronous). Fails when: `f` throws.
   * @example Source.from([1, 2]).runWith(Sink.forEach(x => console.log(x)))
   */
  static forEach<T>(f: (element: T) => void): Sink<T, Promise<void>> {
    return new Sink<T, Promise<void>>(forEachSink(f));
  }

  /**
   * Calls `f` for up to `parallelism` elements at once (Promise or ObservableInput: its first value, or completion,
   * ends the call); resolves after the last call. Reports `BufferStats` (`inFlight`).
   * - Backpressures when: `parallelism` calls are in flight. Completes when: upstream completed and the last call
   *   ended.
   * - Fails when: a call throws, rejects or errors (rejects with a `StageFailure`, cancels upstream and
   *   unsubscribes the calls still running), or upstream fails.
   * @example source.runWith(Sink.forEachAsync(4, row => db.insert(row)))
   */
  static forEachAsync<T>(parallelism: number, f: (element: T) => ObservableInput<unknown>): Sink<T, Promise<void>> {
    return new Sink<T, Promise<void>>(forEachAsyncSink(parallelism, f));
  }

  /**
   * Collects all elements into an array. Unbounded by design: use it for finite streams (tests, small results).
   * @example await Source.range(1, 3).runWith(Sink.seq()) // [1, 2, 3]
   */
  static seq<T>(): Sink<T, Promise<T[]>> {
    return new Sink<T, Promise<T[]>>(foldSink<T, T[]>('seq', () => [], (acc, x) => (acc.push(x), acc)));
  }

  /**
   * The first element, then cancels upstream; rejects with `NoSuchElementError` on an empty stream.
   * @example await Source.from(rows).runWith(Sink.head())
   */
  static head<T>(): Sink<T, Promise<T>> {
    return new Sink<T, Promise<T>>(headSink<T>(true));
  }

  /** The first element, or `undefined` on an empty stream. @example await source.runWith(Sink.headOption()) */
  static headOption<T>(): Sink<T, Promise<T | undefined>> {
    return new Sink<T, Promise<T | undefined>>(headSink<T>(false));
  }

  /** The last element; rejects with `NoSuchElementError` on an empty stream. @example await source.runWith(Sink.last()) */
  static last<T>(): Sink<T, Promise<T>> {
    return new Sink<T, Promise<T>>(lastSink<T>(true));
  }

  /** The last element, or `undefined` on an empty stream. @example await source.runWith(Sink.lastOption()) */
  static lastOption<T>(): Sink<T, Promise<T | undefined>> {
    return new Sink<T, Promise<T | undefined>>(lastSink<T>(false));
  }

  /**
   * Folds all elements into one value.
   * @example await Source.range(1, 4).runWith(Sink.fold(0, (a, b) => a + b)) // 10
   */
  static fold<T, S>(zero: S, f: (acc: S, element: T) => S): Sink<T, Promise<S>> {
    return new Sink<T, Promise<S>>(foldSink<T, S>('fold', () => zero, f));
  }

  /**
   * Folds with the first element as the seed; rejects with `NoSuchElementError` on an empty stream.
   * @example await Source.range(1, 4).runWith(Sink.reduce((a, b) => a + b)) // 10
   */
  static reduce<T>(f: (acc: T, element: T) => T): Sink<T, Promise<T>> {
    return new Sink<T, Promise<T>>(foldSink<T, T>('reduce', () => undefined as unknown as T, f, true));
  }

  /**
   * Consumes and discards everything; resolves on completion.
   * @example await Source.range(1, 1_000_000).runWith(Sink.ignore())
   */
  static ignore<T = unknown>(): Sink<T, Promise<void>> {
    return new Sink<T, Promise<void>>(forEachSink<T>(() => {}, 'ignore'));
  }

  /**
   * Cancels upstream as soon as the stream starts, without ever demanding (cause: `NoMoreElementsNeeded`).
   * @example Source.tick(0, 10, 1).to(Sink.cancelled()).run()
   */
  static cancelled<T = unknown>(): Sink<T, NotUsed> {
    return new Sink<T, NotUsed>(cancelledSink());
  }

  /**
   * Discards elements (always demanding) and calls `callback()` on completion or `callback(error)` on failure,
   * `error` being the `StageFailure`. An error thrown by `callback` is rethrown from a scheduler task (the stream
   * has already ended).
   * @example source.to(Sink.onComplete(err => (err ? log.error(err) : log.info('done')))).run()
   */
  static onComplete<T = unknown>(callback: (error?: unknown) => void): Sink<T, NotUsed> {
    return new Sink<T, NotUsed>(onCompleteSink(callback));
  }

  /**
   * Forwards elements, completion and failure (a `StageFailure`) to an RxJS observer; always demands.
   * - Fails when: `next` throws (upstream is cancelled and the observer gets `error`). An error thrown by
   *   `complete`/`error` is rethrown from a scheduler task.
   * @example source.to(Sink.fromObserver(subject)).run()
   */
  static fromObserver<T>(observer: Partial<Observer<T>>): Sink<T, NotUsed> {
    return new Sink<T, NotUsed>(fromObserver(observer));
  }

  /**
   * Materializes a cold Observable: the stream starts pulling when it is subscribed (once; a second subscriber
   * gets an error) and is cancelled when the subscriber unsubscribes.
   * @example const obs = source.runWith(Sink.toObservable()); obs.subscribe(x => ...)
   */
  static toObservable<T>(): Sink<T, Observable<T>> {
    return new Sink<T, Observable<T>>(toObservable<T>());
  }

  /**
   * A sink from a graph with a `SinkShape`: a custom stage (the operator-author API) or a `GraphDSL` graph.
   * @example Sink.fromGraph(new MyBatchWriter(client))
   */
  static fromGraph<T, M>(graph: Graph<SinkShape<T>, M>): Sink<T, M> {
    requireShape(graph, 0, 1, 'Sink.fromGraph', 'a SinkShape (one inlet, no outlets)');
    return new Sink<T, M>(graph.blueprint);
  }
}
