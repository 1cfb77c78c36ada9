import type { ObservableInput } from 'rxjs';
import { Attributes, type AttributeValues } from '../core/attributes';
import type { Blueprint } from '../core/blueprint';
import type { Decider } from '../core/supervision';
import { asyncBoundary } from '../operators/flow/async-boundary';
import { batch } from '../operators/flow/batch';
import { buffer } from '../operators/flow/buffer';
import { collect } from '../operators/flow/collect';
import { completionTimeout, idleTimeout, initialTimeout } from '../operators/flow/timeouts';
import { concat, orElse, prepend } from '../operators/flow/concat';
import { conflateWithSeed } from '../operators/flow/conflate';
import { delay, type DelayOptions } from '../operators/flow/delay';
import { divertTo } from '../operators/flow/divert-to';
import { drop } from '../operators/flow/drop';
import { dropWhile } from '../operators/flow/drop-while';
import { filter } from '../operators/flow/filter';
import { flatMapConcat } from '../operators/flow/flat-map-concat';
import { flatMapMerge } from '../operators/flow/flat-map-merge';
import { fold } from '../operators/flow/fold';
import { grouped } from '../operators/flow/grouped';
import { groupedWeightedWithin } from '../operators/flow/grouped-weighted-within';
import { initialDelay } from '../operators/flow/initial-delay';
import { intersperse } from '../operators/flow/intersperse';
import { keepAlive } from '../operators/flow/keep-alive';
import { limit } from '../operators/flow/limit';
import { log, type LogOptions } from '../operators/flow/log';
import { map } from '../operators/flow/map';
import { mapAsync } from '../operators/flow/map-async';
import { mapAsyncPartitioned } from '../operators/flow/map-async-partitioned';
import { mapAsyncUnordered } from '../operators/flow/map-async-unordered';
import { mapConcat } from '../operators/flow/map-concat';
import { mapError } from '../operators/flow/map-error';
import { merge, type MergeOptions } from '../operators/flow/merge';
import { recover } from '../operators/flow/recover';
import { recoverWithRetries } from '../operators/flow/recover-with-retries';
import { reduce } from '../operators/flow/reduce';
import { scan } from '../operators/flow/scan';
import { sliding } from '../operators/flow/sliding';
import { statefulMap } from '../operators/flow/stateful-map';
import { take } from '../operators/flow/take';
import { takeWhile } from '../operators/flow/take-while';
import { takeWithin } from '../operators/flow/take-within';
import { tap } from '../operators/flow/also-to';
import { throttle, type ThrottleOptions } from '../operators/flow/throttle';
import { watchTermination } from '../operators/flow/watch-termination';
import { zipWith } from '../operators/flow/zip-with';
import { zipWithIndex } from '../operators/flow/zip-with-index';
import type { OverflowStrategy } from '../core/overflow-strategy';
import type { Flow } from './flow';
import { Keep } from './keep';
import type { Sink } from './sink';
import type { Source } from './source';
import { identity, seq } from '../core/blueprint';
import { requirePositiveInt } from '../core/validate';
import { flatMapPrefix } from '../substreams/flat-map-prefix';
import { groupBy, type GroupByOptions } from '../substreams/group-by';
import { prefixAndTail, type PrefixAndTailOptions } from '../substreams/prefix-and-tail';
import { split } from '../substreams/split';
import type { SplitFactory } from '../substreams/split-merge-logic';
import { switchMap } from '../substreams/switch-map';
import type { NotUsed } from './keep';

/** Options of operators that support supervision. */
export interface SupervisionOptions {
  /** Decides what happens when the user function throws; default: the stream fails. */
  readonly supervision?: Decider;
}

/** @internal Type tag of `Source` for `Repr`. */
export interface SourceTag {
  readonly kind: 'source';
}
/** @internal Type tag of `Flow<In, …>` for `Repr`. */
export interface FlowTag<In> {
  readonly kind: 'flow';
  readonly in: In;
}
/** @internal Type tag of `SubFlow` for `Repr`: the parent's materialized value and tag. */
export interface SubFlowTag<Mat, Tag> {
  readonly kind: 'subflow';
  readonly mat: Mat;
  readonly parent: Tag;
}
/**
 * The type an operator returns: a `Source` stays a `Source`, a `Flow` stays a `Flow` with the same input, a
 * `SubFlow` stays a `SubFlow` of the same parent.
 */
export type Repr<Tag, Out, Mat> =
  Tag extends FlowTag<infer In>
    ? Flow<In, Out, Mat>
    : Tag extends SourceTag
      ? Source<Out, Mat>
      : Tag extends SubFlowTag<infer ParentMat, infer ParentTag>
        ? SubFlow<Out, ParentMat, ParentTag>
        : never;

/** @internal Wraps the operator's blueprint with the supervision decider of `options`, if any. */
function supervised(bp: Blueprint, options: SupervisionOptions | undefined): Blueprint {
  return options?.supervision ? { kind: 'attrs', inner: bp, attributes: Attributes.supervision(options.supervision) } : bp;
}

/**
 * The operators shared by `Source` and `Flow`. Each documents, as Akka does, when it emits, when it
 * backpressures, when it completes and when it fails.
 */
export abstract class FlowOps<Out, Mat, Tag> {
  /** @internal */
  abstract readonly blueprint: Blueprint;
  /** @internal Appends a stage, keeping this blueprint's materialized value. */
  protected abstract andThen<T>(stage: Blueprint): Repr<Tag, T, Mat>;
  /** @internal Appends a stage, combining materialized values. */
  protected abstract andThenMat<T, M2, M3>(stage: Blueprint, combine: (l: Mat, r: M2) => M3): Repr<Tag, T, M3>;
  /** @internal The same blueprint with attributes. */
  protected abstract withBlueprint(blueprint: Blueprint): Repr<Tag, Out, Mat>;

  // ---- attributes -----------------------------------------------------------------------------------------

  /**
   * Attaches attributes; on a composite they are defaults for all its stages (a name becomes a path segment).
   * @example Flow.create<string>().map(JSON.parse).withAttributes(Attributes.supervision(Supervision.resumingDecider))
   */
  withAttributes(attributes: Attributes | AttributeValues): Repr<Tag, Out, Mat> {
    const attrs = attributes instanceof Attributes ? attributes : Attributes.of(attributes);
    return this.withBlueprint({ kind: 'attrs', inner: this.blueprint, attributes: attrs });
  }

  /**
   * Names this blueprint: the name appears in graph paths of errors and metrics.
   * @example Flow.create<Order>().mapAsync(4, enrich).named('enrich')
   */
  named(name: string): Repr<Tag, Out, Mat> {
    return this.withAttributes(Attributes.name(name));
  }

  // ---- simple ---------------------------------------------------------------------------------------------

  /**
   * Transforms each element.
   * - Emits when: `f` returned. Backpressures when: downstream does.
   * - Completes when: upstream completes. Fails when: `f` throws (supervision: resume/restart drop the element).
   * @example Source.from([1, 2, 3]).map(x => x * 2) // 2, 4, 6
   */
  map<T>(f: (element: Out) => T, options?: SupervisionOptions): Repr<Tag, T, Mat> {
    return this.andThen(supervised(map(f), options));
  }

  /**
   * Passes on the elements for which `predicate` holds.
   * - Emits when: the predicate holds. Backpressures when: the predicate holds and downstream backpressures.
   * - Completes when: upstream completes. Fails when: `predicate` throws (supervision applies).
   * @example Source.range(1, 10).filter(x => x % 2 === 0) // 2, 4, 6, 8, 10
   */
  filter<S extends Out>(predicate: (element: Out) => element is S, options?: SupervisionOptions): Repr<Tag, S, Mat>;
  filter(predicate: (element: Out) => boolean, options?: SupervisionOptions): Repr<Tag, Out, Mat>;
  filter(predicate: (element: Out) => boolean, options?: SupervisionOptions): Repr<Tag, Out, Mat> {
    return this.andThen(supervised(filter(predicate, false), options));
  }

  /**
   * Passes on the elements for which `predicate` does not hold.
   * - Emits when: the predicate does not hold. Completes when: upstream completes. Fails when: `predicate` throws.
   * @example Source.range(1, 5).filterNot(x => x === 3) // 1, 2, 4, 5
   */
  filterNot(predicate: (element: Out) => boolean, options?: SupervisionOptions): Repr<Tag, Out, Mat> {
    return this.andThen(supervised(filter(predicate, true), options));
  }

  /**
   * Maps and filters in one step: elements for which `f` returns `undefined` are dropped.
   * - Emits when: `f` returned a value. Backpressures when: `f` returned a value and downstream backpressures.
   * - Completes when: upstream completes. Fails when: `f` throws (supervision: resume/restart drop the element).
   * @example Source.from(['1', 'x', '3']).collect(s => (/^\d+$/.test(s) ? Number(s) : undefined)) // 1, 3
   */
  collect<T>(f: (element: Out) => T | undefined, options?: SupervisionOptions): Repr<Tag, T, Mat> {
    return this.andThen(supervised(collect(f), options));
  }

  /**
   * Turns each element into zero or more elements, emitted in order.
   * - Emits when: the current iterable has a next element and downstream pulls.
   * - Backpressures when: downstream backpressures, or the current iterable is not exhausted.
   * - Completes when: upstream completes and the last iterable is exhausted. Fails when: `f` or the iterator
   *   throws (supervision: resume/restart drop the rest of that iterable). Upstream failure fails at once.
   * The iterable is read lazily, one element ahead of demand; on cancellation or failure its iterator is closed.
   * @example Source.from(['a b', 'c']).mapConcat(s => s.split(' ')) // 'a', 'b', 'c'
   */
  mapConcat<T>(f: (element: Out) => Iterable<T>, options?: SupervisionOptions): Repr<Tag, T, Mat> {
    return this.andThen(supervised(mapConcat(f), options));
  }

  /**
   * Emits `zero`, then each new accumulated value.
   * - Emits when: first pull (the seed), then each time `f` returned. Backpressures when: downstream backpressures.
   * - Completes when: upstream completes (after the seed, if it was not pulled yet).
   * - Fails when: `f` throws (supervision: resume drops the element; restart emits `zero` again and accumulates
   *   from it, as Akka does).
   * @example Source.from([1, 2, 3]).scan(0, (acc, x) => acc + x) // 0, 1, 3, 6
   */
  scan<S>(zero: S, f: (acc: S, element: Out) => S, options?: SupervisionOptions): Repr<Tag, S, Mat> {
    return this.andThen(supervised(scan(zero, f), options));
  }

  /**
   * Folds all elements into one value, emitted when upstream completes.
   * - Emits when: upstream completes. Backpressures when: downstream backpressures the final element.
   * - Completes when: the result was emitted. Fails when: `f` throws.
   * @example Source.from([1, 2, 3]).fold(0, (acc, x) => acc + x) // 6
   */
  fold<S>(zero: S, f: (acc: S, element: Out) => S): Repr<Tag, S, Mat> {
    return this.andThen(fold(zero, f));
  }

  /**
   * Like `fold` with the first element as the seed; fails with `NoSuchElementError` on an empty stream.
   * @example Source.from([1, 2, 3]).reduce((a, b) => a + b) // 6
   */
  reduce(f: (acc: Out, element: Out) => Out): Repr<Tag, Out, Mat> {
    return this.andThen(reduce(f));
  }

  /**
   * Maps with a state: `create()` runs at materialization, `f(state, x)` returns the next state and the element
   * to emit (`undefined`: nothing is emitted). `onComplete(state)` runs once, on the first of upstream completion,
   * failure or downstream cancellation; only after completion is its element (if not `undefined`) emitted.
   * - Emits when: `f` returned an element. Backpressures when: downstream backpressures.
   * - Completes when: upstream completes (after the optional last element).
   * - Fails when: `create`, `f` or `onComplete` throws (supervision: resume drops the element; restart calls
   *   `onComplete` on the old state, dropping its element, and re-creates the state).
   * @example Source.from([1, 1, 2]).statefulMap(() => undefined as number | undefined, (prev, x) => [x, x === prev], () => undefined)
   * // false, true, false
   */
  statefulMap<S, T>(
    create: () => S,
    f: (state: S, element: Out) => readonly [S, T],
    onComplete: (state: S) => T | undefined = () => undefined,
    options?: SupervisionOptions,
  ): Repr<Tag, T, Mat> {
    return this.andThen(supervised(statefulMap(create, f, onComplete), options));
  }

  /**
   * Collects elements into arrays of `size` (the last one may be shorter).
   * - Emits when: `size` elements arrived, or upstream completed with a partial group.
   * - Completes when: upstream completes and the last group was emitted.
   * @example Source.range(1, 5).grouped(2) // [1, 2], [3, 4], [5]
   */
  grouped(size: number): Repr<Tag, Out[], Mat> {
    return this.andThen(grouped(size));
  }

  /**
   * Sliding windows of `size`, advancing by `step` (with `step > size`, elements between windows are skipped).
   * - Emits when: a window is full, or upstream completed with a shorter last window holding elements no earlier
   *   window had. Backpressures when: downstream backpressures.
   * - Completes when: upstream completes and the last window was emitted.
   * @example Source.range(1, 4).sliding(2) // [1, 2], [2, 3], [3, 4]
   */
  sliding(size: number, step = 1): Repr<Tag, Out[], Mat> {
    return this.andThen(sliding(size, step));
  }

  /**
   * Passes on the first `n` elements, then completes and cancels upstream.
   * - Completes when: `n` elements passed or upstream completed.
   * @example Source.range(1, 100).take(2) // 1, 2
   */
  take(n: number): Repr<Tag, Out, Mat> {
    return this.andThen(take(n));
  }

  /**
   * Passes on elements while `predicate` holds; with `inclusive`, also the first element that fails it.
   * - Emits when: the predicate holds (or, with `inclusive`, for the first one that fails it).
   * - Backpressures when: downstream backpressures.
   * - Completes when: the predicate fails (upstream is cancelled) or upstream completes. Fails when: `predicate` throws.
   * @example Source.range(1, 10).takeWhile(x => x < 3) // 1, 2
   */
  takeWhile(predicate: (element: Out) => boolean, inclusive = false): Repr<Tag, Out, Mat> {
    return this.andThen(takeWhile(predicate, inclusive));
  }

  /**
   * Skips the first `n` elements.
   * - Emits when: `n` elements were skipped and an element arrives. Backpressures when: `n` elements were skipped
   *   and downstream backpressures. Completes when: upstream completes.
   * @example Source.range(1, 5).drop(3) // 4, 5
   */
  drop(n: number): Repr<Tag, Out, Mat> {
    return this.andThen(drop(n));
  }

  /**
   * Skips elements while `predicate` holds, then passes everything on (the predicate is not called again).
   * - Emits when: the predicate failed once. Backpressures when: the predicate failed once and downstream
   *   backpressures. Completes when: upstream completes. Fails when: `predicate` throws.
   * @example Source.from([1, 2, 5, 1]).dropWhile(x => x < 3) // 5, 1
   */
  dropWhile(predicate: (element: Out) => boolean): Repr<Tag, Out, Mat> {
    return this.andThen(dropWhile(predicate));
  }

  /**
   * Fails with `StreamLimitReachedError` if more than `max` elements arrive (a guard, not a truncation).
   * - Emits when: an element arrives and fewer than `max` passed before. Backpressures when: downstream
   *   backpressures. Completes when: upstream completes. Fails when: element `max + 1` arrives (upstream is cancelled).
   * @example Source.from(rows).limit(10_000)
   */
  limit(max: number): Repr<Tag, Out, Mat> {
    return this.andThen(limit(max));
  }

  /**
   * Pairs each element with its 0-based index.
   * - Emits when: an element arrives. Backpressures when: downstream backpressures. Completes when: upstream completes.
   * @example Source.from(['a', 'b']).zipWithIndex() // ['a', 0], ['b', 1]
   */
  zipWithIndex(): Repr<Tag, [Out, number], Mat> {
    return this.andThen(zipWithIndex());
  }

  /**
   * Inserts `inject` between elements, optionally with `start` first and `end` last (an empty stream emits
   * just `start` and `end`).
   * - Emits when: an element or an injected element is ready and downstream pulls.
   * - Backpressures when: downstream backpressures (upstream is pulled only once the waiting element is out).
   * - Completes when: upstream completes and `end` (if any) was emitted.
   * @example Source.from(['a', 'b']).intersperse(',', '[', ']') // '[', 'a', ',', 'b', ']'
   */
  intersperse(inject: Out, start?: Out, end?: Out): Repr<Tag, Out, Mat> {
    return this.andThen(intersperse(inject, start, end));
  }

  /**
   * Logs elements (`extract(x)` if given), completion, downstream cancellation and failure under `name`, as
   * `[name] Element: …`. Levels come from `Attributes.logLevels` (defaults: element `debug`, finish `info`,
   * failure `error`; `off` disables); lines go to `options.logger` (default `console`).
   * - Emits when: an element arrives. Backpressures when: downstream backpressures.
   * - Completes when: upstream completes. Fails when: upstream fails, or `extract`/the logger throws on an element.
   * @example Source.from(rows).log('rows', r => r.id).withAttributes(Attributes.logLevels({ onElement: 'info' }))
   */
  log(name: string, extract?: (element: Out) => unknown, options?: LogOptions): Repr<Tag, Out, Mat> {
    return this.andThen(log(name, extract, options));
  }

  // ---- async ----------------------------------------------------------------------------------------------

  /**
   * Calls `f` for up to `parallelism` elements at once and emits the results in input order.
   * `f` may return a Promise or any RxJS ObservableInput (its first value is used).
   * - Emits when: the oldest call has resolved and downstream pulls.
   * - Backpressures when: `parallelism` calls are in flight or resolved results wait for downstream.
   * - Completes when: upstream completes and all results were emitted.
   * - Fails when: a call rejects or `f` throws (supervision: resume drops the element).
   * @example Source.from(ids).mapAsync(4, id => fetchOrder(id))
   */
  mapAsync<T>(parallelism: number, f: (element: Out) => ObservableInput<T>, options?: SupervisionOptions): Repr<Tag, T, Mat> {
    return this.andThen(supervised(mapAsync(parallelism, f), options));
  }

  /**
   * Like `mapAsync`, but emits results as they resolve.
   * @example Source.from(urls).mapAsyncUnordered(8, u => fetch(u))
   */
  mapAsyncUnordered<T>(
    parallelism: number,
    f: (element: Out) => ObservableInput<T>,
    options?: SupervisionOptions,
  ): Repr<Tag, T, Mat> {
    return this.andThen(supervised(mapAsyncUnordered(parallelism, f), options));
  }

  /**
   * Like `mapAsync` but only elements with the same key are serialized: at most one call per key is in flight
   * (the next element of a key starts when the previous call settled), up to `parallelism` calls in all; results
   * are emitted in input order. `parallelism` bounds waiting, running and finished elements together.
   * - Emits when: the oldest element's call has resolved and downstream pulls.
   * - Backpressures when: `parallelism` elements are buffered or in flight.
   * - Completes when: upstream completes and all results were emitted.
   * - Fails when: `partition` or `f` throws or a call rejects (supervision: resume and restart drop the element).
   * @example Source.from(changes).mapAsyncPartitioned(8, c => c.key, c => publish(c))
   */
  mapAsyncPartitioned<T, K>(
    parallelism: number,
    partition: (element: Out) => K,
    f: (element: Out, key: K) => ObservableInput<T>,
    options?: SupervisionOptions,
  ): Repr<Tag, T, Mat> {
    return this.andThen(supervised(mapAsyncPartitioned(parallelism, partition, f), options));
  }

  // ---- time -----------------------------------------------------------------------------------------------

  /**
   * Groups elements into arrays of at most `n`, emitting a group at least every `ms` if it is non-empty (the
   * window restarts whenever a group is emitted). Holds at most `n + 1` elements.
   * - Emits when: the group has `n` elements, or the window elapsed with a non-empty group (if downstream is not
   *   pulling then, the group keeps filling up to `n` and is emitted on the next pull).
   * - Backpressures when: a full group, plus the one element after it, waits for downstream.
   * - Completes when: upstream completes (after emitting the last group). Fails when: upstream fails.
   * @example Source.from(events).groupedWithin(500, 1_000)
   */
  groupedWithin(n: number, ms: number): Repr<Tag, Out[], Mat> {
    return this.andThen(groupedWeightedWithin(Number.POSITIVE_INFINITY, () => 0, n, ms));
  }

  /**
   * Like `groupedWithin`, also closing a group before its total weight would exceed `maxWeight`
   * (an element heavier than `maxWeight` forms a group of its own).
   * - Emits when: the group has `n` elements or weighs `maxWeight`, the next element does not fit, or the window
   *   elapsed with a non-empty group.
   * - Backpressures when: a full group, plus the element that did not fit, waits for downstream.
   * - Completes when: upstream completes (after the last groups). Fails when: upstream fails, or `weight` throws
   *   or returns a negative number.
   * @example Source.from(msgs).groupedWeightedWithin(256 * 1024, m => m.bytes, 1_000, 50)
   */
  groupedWeightedWithin(maxWeight: number, weight: (element: Out) => number, n: number, ms: number): Repr<Tag, Out[], Mat> {
    return this.andThen(groupedWeightedWithin(maxWeight, weight, n, ms));
  }

  /**
   * Limits the rate with a token bucket: `cost` tokens arrive per `perMs`; an element costs `costOf(element)`
   * (default 1). The bucket starts full and holds `burst` tokens (default, as in Akka: the tokens of 100 ms, at
   * least 1). In `shaping` mode (default) an element waits until its tokens arrived; in `enforcing` mode an
   * element without tokens fails the stream with `RateExceededError`.
   * - Emits when: downstream pulls and the element's tokens are available.
   * - Backpressures when: downstream does, or an element waits for tokens (shaping).
   * - Completes when: upstream completes (after a waiting element). Fails when: upstream fails, `costOf` throws,
   *   or (enforcing) the rate is exceeded.
   * @example Source.from(requests).throttle(100, 1_000) // at most 100 per second, bursts of 10
   */
  throttle(cost: number, perMs: number, options?: ThrottleOptions<Out>): Repr<Tag, Out, Mat> {
    return this.andThen(throttle(cost, perMs, options));
  }

  /**
   * Delays each element by `ms` from its arrival, holding at most `bufferSize` (default 16) elements.
   * - Emits when: an element's delay has elapsed and downstream pulls (`emitEarly`: also when the buffer is full
   *   and a new element arrives).
   * - Backpressures when: the buffer is full (`backpressure`, the default; `emitEarly` while downstream is not
   *   pulling). Other `overflow` strategies drop elements or fail with `BufferOverflowError`.
   * - Completes when: upstream completed and all buffered elements were emitted. Fails when: upstream fails.
   * @example Source.from(retries).delay(1_000)
   */
  delay(ms: number, options?: DelayOptions): Repr<Tag, Out, Mat> {
    return this.andThen(delay(ms, options));
  }

  /**
   * Delays the first element by `ms`: upstream is not pulled until `ms` after start; later elements pass undelayed.
   * - Emits when: upstream emits, after the initial delay. Backpressures when: the delay runs, or downstream does.
   * - Completes when: upstream completes. Fails when: upstream fails.
   * @example Source.from(xs).initialDelay(500)
   */
  initialDelay(ms: number): Repr<Tag, Out, Mat> {
    return this.andThen(initialDelay(ms));
  }

  /**
   * Passes elements on for `ms` after start, then completes and cancels upstream.
   * - Emits when: upstream emits within the time. Backpressures when: downstream does.
   * - Completes when: `ms` elapsed or upstream completes. Fails when: upstream fails.
   * @example Source.tick(0, 100, 'x').takeWithin(1_000)
   */
  takeWithin(ms: number): Repr<Tag, Out, Mat> {
    return this.andThen(takeWithin(ms));
  }

  /**
   * Fails with `StreamTimeoutError` if no element passes for `ms` (from start, then from the last element), also
   * when downstream is the slow side.
   * - Emits when: upstream emits. Backpressures when: downstream does.
   * - Completes when: upstream completes. Fails when: upstream fails, or `ms` pass without an element.
   * @example cdcSource.idleTimeout(60_000)
   */
  idleTimeout(ms: number): Repr<Tag, Out, Mat> {
    return this.andThen(idleTimeout(ms));
  }

  /**
   * Fails with `StreamTimeoutError` if the first element has not passed within `ms` of start.
   * - Emits when: upstream emits. Backpressures when: downstream does.
   * - Completes when: upstream completes. Fails when: upstream fails, or no element passed within `ms`.
   * @example source.initialTimeout(5_000)
   */
  initialTimeout(ms: number): Repr<Tag, Out, Mat> {
    return this.andThen(initialTimeout(ms));
  }

  /**
   * Fails with `StreamTimeoutError` if the stream has not completed within `ms` of start.
   * - Emits when: upstream emits. Backpressures when: downstream does.
   * - Completes when: upstream completes. Fails when: upstream fails, or `ms` elapsed first.
   * @example snapshot.completionTimeout(3_600_000)
   */
  completionTimeout(ms: number): Repr<Tag, Out, Mat> {
    return this.andThen(completionTimeout(ms));
  }

  /**
   * Injects `inject()` whenever nothing was pushed downstream for `ms` and downstream is pulling (e.g.
   * heartbeats); if downstream only pulls after the deadline, the injection happens on that pull. Upstream is
   * pulled ahead: one element may wait in the stage.
   * - Emits when: upstream emits, or the idle deadline passed and downstream pulls.
   * - Backpressures when: an upstream element waits for downstream.
   * - Completes when: upstream completes (after a waiting element). Fails when: upstream fails or `inject` throws.
   * @example changes.keepAlive(10_000, () => ({ kind: 'heartbeat' }))
   */
  keepAlive(ms: number, inject: () => Out): Repr<Tag, Out, Mat> {
    return this.andThen(keepAlive(ms, inject));
  }

  // ---- backpressure-aware ---------------------------------------------------------------------------------

  /**
   * An explicit bounded buffer of `size` elements; `overflow` says what happens when it is full: backpressure,
   * drop the oldest (`dropHead`), drop the newest buffered (`dropTail`), drop all (`dropBuffer`), drop the arriving
   * element (`dropNew`) or fail with `BufferOverflowError`. Reports `BufferStats`.
   * @example Source.from(xs).buffer(1024, OverflowStrategy.backpressure)
   */
  buffer(size: number, overflow: OverflowStrategy): Repr<Tag, Out, Mat> {
    return this.andThen(buffer(size, overflow));
  }

  /**
   * When downstream is slower, merges waiting elements with `aggregate` instead of backpressuring.
   * - Emits when: downstream pulls and an aggregate is waiting. Backpressures when: never.
   * - Completes when: upstream completes (after the last aggregate). Fails when: upstream fails or `aggregate`
   *   throws.
   * @example offsets.conflate((a, b) => (b > a ? b : a)) // only the latest offset matters
   */
  conflate(aggregate: (acc: Out, element: Out) => Out): Repr<Tag, Out, Mat> {
    return this.andThen(conflateWithSeed((x: Out) => x, aggregate));
  }

  /**
   * Like `conflate` with a seed function turning the first waiting element into the aggregate.
   * - Emits when: downstream pulls and an aggregate is waiting. Backpressures when: never.
   * - Completes when: upstream completes (after the last aggregate). Fails when: upstream fails, or `seed` or
   *   `aggregate` throws.
   * @example xs.conflateWithSeed(x => [x], (acc, x) => [...acc, x])
   */
  conflateWithSeed<S>(seed: (element: Out) => S, aggregate: (acc: S, element: Out) => S): Repr<Tag, S, Mat> {
    return this.andThen(conflateWithSeed(seed, aggregate));
  }

  /**
   * Like `conflateWithSeed`, but backpressures once `max` elements are aggregated (the next element waits and
   * seeds the next batch, so at most `max + 1` elements are held).
   * - Emits when: downstream pulls and a batch is waiting. Backpressures when: a full batch and one more element
   *   wait for downstream.
   * - Completes when: upstream completes (after the last batches). Fails when: upstream fails, or `seed` or
   *   `aggregate` throws.
   * @example rows.batch(500, r => [r], (acc, r) => { acc.push(r); return acc; })
   */
  batch<S>(max: number, seed: (element: Out) => S, aggregate: (acc: S, element: Out) => S): Repr<Tag, S, Mat> {
    return this.andThen(batch(max, seed, aggregate));
  }

  /**
   * A boundary with a backpressured buffer of `bufferSize` (default: the `inputBufferSize` attribute or 16):
   * elements pass straight through while downstream keeps up; otherwise up to `bufferSize` wait, and upstream is
   * asked again only once the buffer drained to half, so demand crosses in batches. It does not move either side
   * to another event-loop turn or thread. Reports `BufferStats`.
   * @example Source.from(xs).map(parse).async().mapAsync(4, store)
   */
  async(bufferSize?: number): Repr<Tag, Out, Mat> {
    return this.andThen(asyncBoundary(bufferSize));
  }

  // ---- composition ----------------------------------------------------------------------------------------

  /**
   * Maps each element to a source and emits its elements, one source after another (the next element is pulled
   * only when the current inner source completed). Each inner source is pulled one element at a time.
   * - Emits when: the current inner source emits and downstream pulls. Backpressures when: downstream does.
   * - Completes when: upstream and the last inner source completed.
   * - Fails when: upstream or an inner source fails, or `f` throws or returns something that is not a Source.
   * @example Source.from(tables).flatMapConcat(t => readTable(t))
   */
  flatMapConcat<T>(f: (element: Out) => Source<T, unknown>): Repr<Tag, T, Mat> {
    return this.andThen(flatMapConcat(f));
  }

  /**
   * Maps each element to a source and merges up to `breadth` of them at a time. Each inner source is pulled one
   * element at a time, so at most `breadth` elements wait (exposed as `BufferStats`); inner sources with an
   * element ready take turns.
   * - Emits when: an inner source has an element and downstream pulls.
   * - Backpressures when: downstream does; upstream is pulled only while fewer than `breadth` inner sources run.
   * - Completes when: upstream and all inner sources completed.
   * - Fails when: upstream or an inner source fails, or `f` throws or returns something that is not a Source.
   * @example Source.from(partitions).flatMapMerge(4, p => readPartition(p))
   */
  flatMapMerge<T>(breadth: number, f: (element: Out) => Source<T, unknown>): Repr<Tag, T, Mat> {
    return this.andThen(flatMapMerge(breadth, f));
  }

  /**
   * Emits this stream's elements, then `other`'s (materialized eagerly, pulled only after this completes).
   * - Emits when: the current input emits and downstream pulls. Backpressures when: downstream does.
   * - Completes when: both completed, the second after the first. Fails when: either fails (even `other` early).
   * @example snapshot.concat(changeStream)
   */
  concat(other: Source<Out, unknown>): Repr<Tag, Out, Mat> {
    return this.andThen(concat(other?.blueprint));
  }

  /**
   * Emits `other`'s elements first, then this stream's (pulled only after `other` completed).
   * - Completes when: both completed. Fails when: either fails.
   * @example body.prepend(Source.single(header))
   */
  prepend(other: Source<Out, unknown>): Repr<Tag, Out, Mat> {
    return this.andThen(prepend(other?.blueprint));
  }

  /**
   * Emits `other`'s elements only if this stream completes without emitting anything. `other` is materialized
   * eagerly and cancelled as soon as this stream emits its first element.
   * - Completes when: this stream completed after emitting, or `other` completed.
   * - Fails when: this stream fails, or `other` fails before it was cancelled.
   * @example cached.orElse(loadFromDb)
   */
  orElse(other: Source<Out, unknown>): Repr<Tag, Out, Mat> {
    return this.andThen(orElse(other?.blueprint));
  }

  /**
   * Merges `other`'s elements with this stream's as they come (no ordering between the two); when both have an
   * element ready they take turns.
   * - Emits when: either input has an element and downstream pulls. Backpressures when: downstream does.
   * - Completes when: both completed (or either, with `eagerComplete`: the other is cancelled).
   * - Fails when: either fails.
   * @example tableA.merge(tableB)
   */
  merge(other: Source<Out, unknown>, options?: MergeOptions): Repr<Tag, Out, Mat> {
    return this.andThen(merge(other?.blueprint, options));
  }

  /**
   * Pairs elements of this stream and `other` one to one.
   * - Emits when: both inputs have an element and downstream pulls. Backpressures when: downstream does.
   * - Completes when: either completes (after its last element was paired); the other is cancelled.
   * - Fails when: either fails.
   * @example ids.zip(names) // [id, name]
   */
  zip<T>(other: Source<T, unknown>): Repr<Tag, [Out, T], Mat> {
    return this.andThen(zipWith(other?.blueprint, (a: Out, b: T): [Out, T] => [a, b]));
  }

  /**
   * Combines elements of this stream and `other` one to one with `f`; like `zip` otherwise.
   * - Fails when: either input fails or `f` throws.
   * @example prices.zipWith(quantities, (p, q) => p * q)
   */
  zipWith<T, R>(other: Source<T, unknown>, f: (a: Out, b: T) => R): Repr<Tag, R, Mat> {
    return this.andThen(zipWith(other?.blueprint, f));
  }

  /**
   * Also sends every element to `sink`; the slower of the two sets the pace (at most one element is held).
   * - Emits when: downstream pulls and the previous element reached the side sink. Backpressures when: either does.
   * - Completes when: upstream completes (the side sink is completed too). Fails when: upstream or the side sink
   *   fails (upstream's failure is passed to the side sink).
   * - Cancels when: downstream cancels (the side sink is completed). A side sink that cancels without failing
   *   (e.g. `Sink.head`) is dropped and the main stream goes on.
   * @example changes.alsoTo(Sink.forEach(c => audit(c)))
   */
  alsoTo(sink: Sink<Out, unknown>): Repr<Tag, Out, Mat> {
    return this.andThen(tap(sink?.blueprint, 'alsoTo'));
  }

  /**
   * Sends elements for which `predicate` holds to `sink` instead of downstream (e.g. a dead-letter sink).
   * - Emits when: an element does not match and downstream pulls.
   * - Backpressures when: the output the current element goes to backpressures (at most one element is held).
   * - Completes when: upstream completes (the side sink too). Fails when: upstream fails, `predicate` throws, or the
   *   side sink fails.
   * - Cancels when: downstream cancels, or the side sink cancels (Akka's eager cancel).
   * @example parsed.divertTo(deadLetters, r => !r.ok)
   */
  divertTo(sink: Sink<Out, unknown>, predicate: (element: Out) => boolean): Repr<Tag, Out, Mat> {
    return this.andThen(divertTo(sink?.blueprint, predicate));
  }

  /**
   * Sends elements to `sink` only when it has demand, dropping them for it otherwise; never slows the main stream.
   * - Emits when: upstream emits. Backpressures when: downstream does (never because of the side sink).
   * - Completes when: upstream completes (the side sink too). Fails when: upstream fails.
   * - The side sink cancelling or failing does not affect the main stream.
   * @example changes.wireTap(Sink.forEach(c => metrics.count(c)))
   */
  wireTap(sink: Sink<Out, unknown>): Repr<Tag, Out, Mat> {
    return this.andThen(tap(sink?.blueprint, 'wireTap'));
  }

  // ---- substreams -----------------------------------------------------------------------------------------

  /**
   * Splits the stream into one substream per key; the operators applied to the returned `SubFlow` run on every
   * substream, and `mergeSubstreams()` / `mergeSubstreamsWithParallelism(n)` / `concatSubstreams()` join them
   * back. At most `maxSubstreams` keys are open at once; what happens with one more is `options.overflow`:
   * `'fail'` (default: `TooManySubstreamsError` naming the limit and the key), `'backpressure'` (wait until a
   * substream completes or idles out) or `{ hashLanes: n }` (keys hashed into `n` lanes, one substream per lane,
   * any number of keys; a lane mixes keys). A substream that completes (e.g. `take(n)` inside it) or idles out
   * (`options.idleTimeoutMs`) releases its key: a later element with that key opens a new substream, and no closed
   * key is remembered.
   * - Emits when: a substream emits and downstream pulls (substreams with an element ready take turns).
   * - Backpressures when: the substream of the current element has not pulled it (one element is held: a slow
   *   substream holds back the parent, as in Akka), or no substream can be opened for a new key.
   * - Completes when: upstream completed and every substream completed.
   * - Fails when: upstream or a substream fails, `keyFn` throws (supervision: resume/restart drop the element), or
   *   a new key exceeds `maxSubstreams` under `'fail'`.
   * @example
   * Source.from(changes).groupBy(64, c => c.table, { idleTimeoutMs: 60_000 })
   *   .groupedWithin(500, 1_000).mapAsync(1, batch => write(batch)).mergeSubstreams()
   */
  groupBy<K>(
    maxSubstreams: number,
    keyFn: (element: Out) => K,
    options?: GroupByOptions & SupervisionOptions,
  ): SubFlow<Out, Mat, Tag> {
    return this.subFlow(groupBy(maxSubstreams, keyFn, options), options);
  }

  /**
   * Starts a new substream with every element for which `predicate` holds (the first element always starts one,
   * so no substream is empty); the previous substream's input completes. One substream is open at a time.
   * - Emits when: a substream emits and downstream pulls. Backpressures when: the open substream backpressures.
   * - Completes when: upstream and every substream completed. Fails when: upstream or a substream fails, or
   *   `predicate` throws (supervision: resume/restart drop the element).
   * - A substream that cancels drops the elements up to the next split (Akka's default `drain`).
   * @example Source.from(lines).splitWhen(l => l.startsWith('#')).fold([], (acc, l) => [...acc, l]).concatSubstreams()
   */
  splitWhen(predicate: (element: Out) => boolean, options?: SupervisionOptions): SubFlow<Out, Mat, Tag> {
    return this.subFlow(split(predicate, false), options);
  }

  /**
   * Ends the current substream after each element for which `predicate` holds (that element is its last); the
   * next element starts a new substream. Otherwise like `splitWhen`.
   * @example Source.from(tokens).splitAfter(t => t === ';').fold('', (s, t) => s + t).mergeSubstreams()
   */
  splitAfter(predicate: (element: Out) => boolean, options?: SupervisionOptions): SubFlow<Out, Mat, Tag> {
    return this.subFlow(split(predicate, true), options);
  }

  /**
   * Takes the first `n` elements (fewer if upstream completes first), builds a flow with `f(prefix)`, and runs the
   * prefix too, then the rest of the stream, through it, emitting what it emits. `f` runs once per materialization.
   * - Emits when: the flow emits and downstream pulls. Backpressures when: the flow does (the prefix is collected
   *   without waiting for downstream).
   * - Completes when: the flow completes. Fails when: upstream fails before the flow exists, `f` throws or does not
   *   return a Flow, or the flow fails (an upstream failure after that is passed into the flow).
   * @example Source.from(csvLines).flatMapPrefix(1, ([header]) => Flow.create<string>().drop(1).map(l => parseRow(header!, l)))
   */
  flatMapPrefix<T>(n: number, f: (prefix: Out[]) => Flow<Out, T, unknown>): Repr<Tag, T, Mat> {
    return this.andThen(flatMapPrefix(n, f));
  }

  /**
   * Emits one pair `[prefix, tail]`: the first `n` elements (fewer if upstream completes first) and a source of
   * the remaining ones, then completes. The tail can be materialized once, in any stream; until it is, upstream
   * is not pulled further, and if it is not materialized within `subscriptionTimeoutMs` (default 5 s) upstream is
   * cancelled and the tail fails with `SubscriptionTimeoutError` (a second materialization fails with
   * `AlreadyMaterializedError`).
   * - Emits when: `n` elements arrived (or upstream completed) and downstream pulls.
   * - Backpressures when: downstream does; afterwards the tail's consumer sets the pace (nothing is buffered).
   * - Completes when: the pair was emitted. Fails when: upstream fails before the pair (afterwards the tail fails).
   * @example Source.from(rows).prefixAndTail(1).flatMapConcat(([[header], tail]) => tail.map(r => withHeader(header, r)))
   */
  prefixAndTail(n: number, options?: PrefixAndTailOptions): Repr<Tag, [Out[], Source<Out, NotUsed>], Mat> {
    return this.andThen(prefixAndTail(n, options));
  }

  /**
   * Maps each element to a source and emits its elements until the next element arrives: then the running source
   * is cancelled (an element it held is dropped) and the new one takes over. Upstream is always pulled.
   * - Emits when: the current inner source emits and downstream pulls. Backpressures when: downstream does (the
   *   inner source is pulled one element ahead; upstream never waits).
   * - Completes when: upstream and the current inner source completed.
   * - Fails when: upstream or the current inner source fails, or `f` throws or does not return a Source.
   * @example searchTerms.switchMap(term => Source.from(search(term)))
   */
  switchMap<T>(f: (element: Out) => Source<T, unknown>): Repr<Tag, T, Mat> {
    return this.andThen(switchMap(f));
  }

  /** @internal A SubFlow whose stage `factory` builds (supervised by `options`), appended here when joined. */
  private subFlow(factory: SplitFactory, options: SupervisionOptions | undefined): SubFlow<Out, Mat, Tag> {
    const supervisedFactory: SplitFactory = (perSubstream, parallelism) => supervised(factory(perSubstream, parallelism), options);
    return new SubFlow<Out, Mat, Tag>(identity, supervisedFactory, (stage) => this.andThen(stage));
  }

  // ---- errors and lifecycle -------------------------------------------------------------------------------

  /**
   * On upstream failure, emits `f(error)` and completes; if `f` returns `undefined` the failure passes on.
   * `f` gets the original error (unwrapped from `StageFailure`).
   * - Emits when: an element arrives, or upstream failed and `f` returned an element and downstream pulls.
   * - Backpressures when: downstream backpressures. Completes when: upstream completes, or after the recovered element.
   * - Fails when: `f` returns `undefined` (the original failure) or throws (that error).
   * @example source.recover(e => (e instanceof ParseError ? { kind: 'end' } : undefined))
   */
  recover(f: (error: unknown) => Out | undefined): Repr<Tag, Out, Mat> {
    return this.andThen(recover(f));
  }

  /**
   * On upstream failure, switches to the source `f(error)` returns, up to `attempts` times (-1: unlimited); a
   * failing recovery source counts as another attempt. `f` gets the original error; `undefined` (or no attempts
   * left) lets the failure pass on unchanged.
   * - Emits when: upstream (or the current recovery source) emits and downstream pulls.
   * - Completes when: upstream or the recovery source completes. Fails when: see above, or `f` throws.
   * @example source.recoverWithRetries(3, () => fallbackSource)
   */
  recoverWithRetries(attempts: number, f: (error: unknown) => Source<Out, unknown> | undefined): Repr<Tag, Out, Mat> {
    return this.andThen(recoverWithRetries(attempts, f));
  }

  /**
   * Transforms the error the stream fails with (the original error is passed, not the `StageFailure`); the
   * stream then fails with `f`'s result as a failure of this stage. Returning `undefined` keeps the original failure;
   * an error thrown by `f` becomes the failure.
   * - Emits when: an element arrives. Backpressures when: downstream backpressures. Completes when: upstream completes.
   * @example source.mapError(e => new IngestError('read failed', { cause: e }))
   */
  mapError(f: (error: unknown) => unknown): Repr<Tag, Out, Mat> {
    return this.andThen(mapError(f));
  }

  /**
   * Materializes a Promise that resolves when upstream completes or downstream cancels here, and rejects with the
   * `StageFailure` when upstream fails or a downstream stage fails (cancelling with that failure). `combine` picks
   * the materialized value (default `Keep.right`: the promise).
   * - Emits when: an element arrives. Backpressures when: downstream backpressures. Completes when: upstream completes.
   * @example const [queue, done] = Source.queue<Job>(100).watchTermination(Keep.both).to(Sink.forEach(run)).run()
   */
  watchTermination<M2 = Promise<void>>(
    combine: (mat: Mat, done: Promise<void>) => M2 = Keep.right as (mat: Mat, done: Promise<void>) => M2,
  ): Repr<Tag, Out, M2> {
    return this.andThenMat<Out, Promise<void>, M2>(watchTermination(), combine);
  }
}

/**
 * A stream split into substreams by `groupBy`, `splitWhen` or `splitAfter`. The usual operators (`map`,
 * `grouped`, `mapAsync`, `fold`, `via`…) apply to every substream; `mergeSubstreams()`,
 * `mergeSubstreamsWithParallelism(n)` or `concatSubstreams()` join the substreams back into the parent `Source`
 * or `Flow`, which keeps its materialized value (those of the per-substream stages are discarded).
 *
 * @example
 * const perTable = Source.from(changes)
 *   .groupBy(100, c => c.table)
 *   .grouped(500)
 *   .mapAsync(1, batch => writeBatch(batch))
 *   .mergeSubstreams(); // Source<WriteResult, NotUsed>
 */
export class SubFlow<Out, Mat, ParentTag> extends FlowOps<Out, NotUsed, SubFlowTag<Mat, ParentTag>> {
  /** @internal */
  constructor(
    /** @internal The per-substream flow. */
    readonly blueprint: Blueprint,
    private readonly factory: SplitFactory,
    private readonly join: (stage: Blueprint) => unknown,
  ) {
    super();
  }

  protected andThen<T>(stage: Blueprint): SubFlow<T, Mat, ParentTag> {
    return new SubFlow<T, Mat, ParentTag>(seq(this.blueprint, stage, Keep.left), this.factory, this.join);
  }
  protected andThenMat<T, M2, M3>(stage: Blueprint, combine: (l: NotUsed, r: M2) => M3): SubFlow<T, Mat, ParentTag> {
    return new SubFlow<T, Mat, ParentTag>(seq(this.blueprint, stage, combine), this.factory, this.join);
  }
  protected withBlueprint(blueprint: Blueprint): SubFlow<Out, Mat, ParentTag> {
    return new SubFlow<Out, Mat, ParentTag>(blueprint, this.factory, this.join);
  }

  /** Runs every substream through `flow` (materialized once per substream). */
  via<T>(flow: Flow<Out, T, unknown>): SubFlow<T, Mat, ParentTag> {
    return this.andThen(flow.blueprint);
  }

  /**
   * Merges the substreams' elements as they come. After `groupBy` as many substreams run at once as keys may be
   * open (`maxSubstreams`, or the number of hash lanes); after `splitWhen`/`splitAfter` up to 16 (a new substream
   * waits while 16 older ones still emit).
   * @example Source.from(rows).groupBy(10, r => r.key).map(enrich).mergeSubstreams()
   */
  mergeSubstreams(): Repr<ParentTag, Out, Mat> {
    return this.join(this.factory(this.blueprint, undefined)) as Repr<ParentTag, Out, Mat>;
  }

  /**
   * Merges the substreams' elements as they come, running at most `parallelism` substreams at once (open ones and
   * closed ones still emitting): an element for a new substream waits, backpressuring the parent, until one
   * finished. With `groupBy` and fewer than `maxSubstreams`, substreams must complete (or idle out) for new keys
   * to get through.
   * @example Source.from(rows).groupBy(100, r => r.key, { idleTimeoutMs: 1_000 }).map(enrich).mergeSubstreamsWithParallelism(8)
   */
  mergeSubstreamsWithParallelism(parallelism: number): Repr<ParentTag, Out, Mat> {
    requirePositiveInt('mergeSubstreamsWithParallelism', 'parallelism', parallelism);
    return this.join(this.factory(this.blueprint, parallelism)) as Repr<ParentTag, Out, Mat>;
  }

  /**
   * Emits the substreams one after another: one substream runs at a time and the next one starts (with the
   * element that opened it) only when the previous one completed. After `groupBy`, a new key therefore waits
   * until the current substream completes or idles out (as in Akka, an endless substream blocks the rest).
   * @example Source.from(lines).splitWhen(isHeader).fold([], collect).concatSubstreams()
   */
  concatSubstreams(): Repr<ParentTag, Out, Mat> {
    return this.join(this.factory(this.blueprint, 1)) as Repr<ParentTag, Out, Mat>;
  }
}
