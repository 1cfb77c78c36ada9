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
/** The type an operator returns: a `Source` stays a `Source`, a `Flow` stays a `Flow` with the same input. */
export type Repr<Tag, Out, Mat> =
  Tag extends FlowTag<infer In> ? Flow<In, Out, Mat> : Tag extends SourceTag ? Source<Out, Mat> : never;

/** @internal Adds the materialized value of `ops` to the operator's blueprint. */
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
   * - Emits when: `f` returned a value. Completes when: upstream completes. Fails when: `f` throws.
   * @example Source.from(['1', 'x', '3']).collect(s => (/^\d+$/.test(s) ? Number(s) : undefined)) // 1, 3
   */
  collect<T>(f: (element: Out) => T | undefined, options?: SupervisionOptions): Repr<Tag, T, Mat> {
    return this.andThen(supervised(collect(f), options));
  }

  /**
   * Turns each element into zero or more elements, emitted in order.
   * - Emits when: the current iterable has a next element and downstream pulls.
   * - Backpressures when: downstream backpressures, or the current iterable is not exhausted.
   * - Completes when: upstream completes and the last iterable is exhausted. Fails when: `f` or the iterator throws.
   * @example Source.from(['a b', 'c']).mapConcat(s => s.split(' ')) // 'a', 'b', 'c'
   */
  mapConcat<T>(f: (element: Out) => Iterable<T>, options?: SupervisionOptions): Repr<Tag, T, Mat> {
    return this.andThen(supervised(mapConcat(f), options));
  }

  /**
   * Emits `zero`, then each new accumulated value.
   * - Emits when: first pull (the seed), then each time `f` returned. Completes when: upstream completes.
   * - Fails when: `f` throws (restart resets the accumulator to `zero`).
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
   * Maps with a state: `f(state, x)` returns the next state and the element to emit; on completion
   * `onComplete(state)` may return one last element.
   * - Emits when: `f` returned. Completes when: upstream completes (after the optional last element).
   * - Fails when: `create`, `f` or `onComplete` throws (restart re-creates the state).
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
   * Sliding windows of `size`, advancing by `step`.
   * - Emits when: a window is full, or upstream completed with a partial window not yet emitted.
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
   * - Completes when: the predicate fails or upstream completes. Fails when: `predicate` throws.
   * @example Source.range(1, 10).takeWhile(x => x < 3) // 1, 2
   */
  takeWhile(predicate: (element: Out) => boolean, inclusive = false): Repr<Tag, Out, Mat> {
    return this.andThen(takeWhile(predicate, inclusive));
  }

  /**
   * Skips the first `n` elements.
   * @example Source.range(1, 5).drop(3) // 4, 5
   */
  drop(n: number): Repr<Tag, Out, Mat> {
    return this.andThen(drop(n));
  }

  /**
   * Skips elements while `predicate` holds, then passes everything on.
   * @example Source.from([1, 2, 5, 1]).dropWhile(x => x < 3) // 5, 1
   */
  dropWhile(predicate: (element: Out) => boolean): Repr<Tag, Out, Mat> {
    return this.andThen(dropWhile(predicate));
  }

  /**
   * Fails with `StreamLimitReachedError` if more than `max` elements arrive (a guard, not a truncation).
   * @example Source.from(rows).limit(10_000)
   */
  limit(max: number): Repr<Tag, Out, Mat> {
    return this.andThen(limit(max));
  }

  /**
   * Pairs each element with its 0-based index.
   * @example Source.from(['a', 'b']).zipWithIndex() // ['a', 0], ['b', 1]
   */
  zipWithIndex(): Repr<Tag, [Out, number], Mat> {
    return this.andThen(zipWithIndex());
  }

  /**
   * Inserts `inject` between elements, optionally with `start` first and `end` last.
   * - Emits when: an element or an injected element is ready and downstream pulls.
   * @example Source.from(['a', 'b']).intersperse(',', '[', ']') // '[', 'a', ',', 'b', ']'
   */
  intersperse(inject: Out, start?: Out, end?: Out): Repr<Tag, Out, Mat> {
    return this.andThen(intersperse(inject, start, end));
  }

  /**
   * Logs elements, completion and failure under `name` (levels set by `Attributes.logLevels`).
   * @example Source.from(rows).log('rows', r => r.id)
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
   * Like `mapAsync` but only elements with the same key are serialized: at most one call per key is in flight,
   * up to `parallelism` calls in all; results are emitted in input order.
   * - Backpressures when: `parallelism` elements are buffered or in flight.
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
   * Groups elements into arrays of at most `n`, emitting a group at least every `ms` if it is non-empty.
   * - Emits when: the group has `n` elements or the interval elapsed with a non-empty group.
   * - Backpressures when: a full group waits for downstream.
   * @example Source.from(events).groupedWithin(500, 1_000)
   */
  groupedWithin(n: number, ms: number): Repr<Tag, Out[], Mat> {
    return this.andThen(groupedWeightedWithin(Number.POSITIVE_INFINITY, () => 0, n, ms));
  }

  /**
   * Like `groupedWithin`, also closing a group before its total weight would exceed `maxWeight`
   * (an element heavier than `maxWeight` forms a group of its own).
   * @example Source.from(msgs).groupedWeightedWithin(256 * 1024, m => m.bytes, 1_000, 50)
   */
  groupedWeightedWithin(maxWeight: number, weight: (element: Out) => number, n: number, ms: number): Repr<Tag, Out[], Mat> {
    return this.andThen(groupedWeightedWithin(maxWeight, weight, n, ms));
  }

  /**
   * Limits the rate with a token bucket: `cost` tokens per `perMs`, bucket size `burst` (default `cost`).
   * In `shaping` mode (default) elements wait; in `enforcing` mode an element without tokens fails the stream.
   * - Backpressures when: no tokens are left (shaping).
   * @example Source.from(requests).throttle(100, 1_000) // at most 100 per second
   */
  throttle(cost: number, perMs: number, options?: ThrottleOptions<Out>): Repr<Tag, Out, Mat> {
    return this.andThen(throttle(cost, perMs, options));
  }

  /**
   * Delays each element by `ms`, holding at most `bufferSize` (default 16) elements.
   * - Emits when: an element's delay has elapsed and downstream pulls.
   * - Backpressures when: the buffer is full (or per `overflow`).
   * @example Source.from(retries).delay(1_000)
   */
  delay(ms: number, options?: DelayOptions): Repr<Tag, Out, Mat> {
    return this.andThen(delay(ms, options));
  }

  /**
   * Delays the first element by `ms`; later elements pass undelayed.
   * @example Source.from(xs).initialDelay(500)
   */
  initialDelay(ms: number): Repr<Tag, Out, Mat> {
    return this.andThen(initialDelay(ms));
  }

  /**
   * Passes elements on for `ms`, then completes and cancels upstream.
   * @example Source.tick(0, 100, 'x').takeWithin(1_000)
   */
  takeWithin(ms: number): Repr<Tag, Out, Mat> {
    return this.andThen(takeWithin(ms));
  }

  /**
   * Fails with `TimeoutError` if no element passes for `ms`.
   * @example cdcSource.idleTimeout(60_000)
   */
  idleTimeout(ms: number): Repr<Tag, Out, Mat> {
    return this.andThen(idleTimeout(ms));
  }

  /**
   * Fails with `TimeoutError` if the first element has not passed within `ms` of start.
   * @example source.initialTimeout(5_000)
   */
  initialTimeout(ms: number): Repr<Tag, Out, Mat> {
    return this.andThen(initialTimeout(ms));
  }

  /**
   * Fails with `TimeoutError` if the stream has not completed within `ms` of start.
   * @example snapshot.completionTimeout(3_600_000)
   */
  completionTimeout(ms: number): Repr<Tag, Out, Mat> {
    return this.andThen(completionTimeout(ms));
  }

  /**
   * Injects `inject()` whenever no element passed downstream for `ms` (e.g. heartbeats).
   * @example changes.keepAlive(10_000, () => ({ kind: 'heartbeat' }))
   */
  keepAlive(ms: number, inject: () => Out): Repr<Tag, Out, Mat> {
    return this.andThen(keepAlive(ms, inject));
  }

  // ---- backpressure-aware ---------------------------------------------------------------------------------

  /**
   * An explicit bounded buffer of `size` elements; `overflow` says what happens when it is full: backpressure,
   * drop the oldest (`dropHead`), drop the newest (`dropTail`), drop all (`dropBuffer`) or fail.
   * @example Source.from(xs).buffer(1024, OverflowStrategy.backpressure)
   */
  buffer(size: number, overflow: OverflowStrategy): Repr<Tag, Out, Mat> {
    return this.andThen(buffer(size, overflow));
  }

  /**
   * When downstream is slower, merges waiting elements with `aggregate` instead of backpressuring.
   * @example offsets.conflate((a, b) => (b > a ? b : a)) // only the latest offset matters
   */
  conflate(aggregate: (acc: Out, element: Out) => Out): Repr<Tag, Out, Mat> {
    return this.andThen(conflateWithSeed((x: Out) => x, aggregate));
  }

  /**
   * Like `conflate` with a seed function turning the first waiting element into the aggregate.
   * @example xs.conflateWithSeed(x => [x], (acc, x) => [...acc, x])
   */
  conflateWithSeed<S>(seed: (element: Out) => S, aggregate: (acc: S, element: Out) => S): Repr<Tag, S, Mat> {
    return this.andThen(conflateWithSeed(seed, aggregate));
  }

  /**
   * Like `conflateWithSeed`, but backpressures once `max` elements are aggregated.
   * @example rows.batch(500, r => [r], (acc, r) => { acc.push(r); return acc; })
   */
  batch<S>(max: number, seed: (element: Out) => S, aggregate: (acc: S, element: Out) => S): Repr<Tag, S, Mat> {
    return this.andThen(batch(max, seed, aggregate));
  }

  /**
   * An asynchronous boundary with a buffer of `bufferSize` (default: the `inputBufferSize` attribute or 16):
   * upstream and downstream then run in separate event-loop turns, refilled in batches of half the buffer.
   * @example Source.from(xs).map(parse).async().mapAsync(4, store)
   */
  async(bufferSize?: number): Repr<Tag, Out, Mat> {
    return this.andThen(asyncBoundary(bufferSize));
  }

  // ---- composition ----------------------------------------------------------------------------------------

  /**
   * Maps each element to a source and emits its elements, one source after another.
   * - Completes when: upstream and the last inner source completed.
   * @example Source.from(tables).flatMapConcat(t => readTable(t))
   */
  flatMapConcat<T>(f: (element: Out) => Source<T, unknown>): Repr<Tag, T, Mat> {
    return this.andThen(flatMapConcat(f));
  }

  /**
   * Maps each element to a source and merges up to `breadth` of them at a time.
   * @example Source.from(partitions).flatMapMerge(4, p => readPartition(p))
   */
  flatMapMerge<T>(breadth: number, f: (element: Out) => Source<T, unknown>): Repr<Tag, T, Mat> {
    return this.andThen(flatMapMerge(breadth, f));
  }

  /**
   * Emits this stream's elements, then `other`'s (materialized eagerly, pulled only after this completes).
   * @example snapshot.concat(changeStream)
   */
  concat(other: Source<Out, unknown>): Repr<Tag, Out, Mat> {
    return this.andThen(concat(other.blueprint));
  }

  /**
   * Emits `other`'s elements first, then this stream's.
   * @example body.prepend(Source.single(header))
   */
  prepend(other: Source<Out, unknown>): Repr<Tag, Out, Mat> {
    return this.andThen(prepend(other.blueprint));
  }

  /**
   * Emits `other`'s elements only if this stream completes without emitting anything.
   * @example cached.orElse(loadFromDb)
   */
  orElse(other: Source<Out, unknown>): Repr<Tag, Out, Mat> {
    return this.andThen(orElse(other.blueprint));
  }

  /**
   * Merges `other`'s elements with this stream's as they come (no ordering between the two).
   * - Completes when: both completed (or either, with `eagerComplete`).
   * @example tableA.merge(tableB)
   */
  merge(other: Source<Out, unknown>, options?: MergeOptions): Repr<Tag, Out, Mat> {
    return this.andThen(merge(other.blueprint, options));
  }

  /**
   * Pairs elements of this stream and `other` one to one.
   * - Completes when: either completes.
   * @example ids.zip(names) // [id, name]
   */
  zip<T>(other: Source<T, unknown>): Repr<Tag, [Out, T], Mat> {
    return this.andThen(zipWith(other.blueprint, (a: Out, b: T): [Out, T] => [a, b]));
  }

  /**
   * Combines elements of this stream and `other` one to one with `f`.
   * @example prices.zipWith(quantities, (p, q) => p * q)
   */
  zipWith<T, R>(other: Source<T, unknown>, f: (a: Out, b: T) => R): Repr<Tag, R, Mat> {
    return this.andThen(zipWith(other.blueprint, f));
  }

  /**
   * Also sends every element to `sink`; the slower of the two sets the pace (no unbounded buffering).
   * - Cancels when: downstream cancels (the side sink is completed); a side-sink failure fails the stream.
   * @example changes.alsoTo(Sink.forEach(c => audit(c)))
   */
  alsoTo(sink: Sink<Out, unknown>): Repr<Tag, Out, Mat> {
    return this.andThen(tap(sink.blueprint, 'alsoTo'));
  }

  /**
   * Sends elements for which `predicate` holds to `sink` instead of downstream (e.g. a dead-letter sink).
   * @example parsed.divertTo(deadLetters, r => !r.ok)
   */
  divertTo(sink: Sink<Out, unknown>, predicate: (element: Out) => boolean): Repr<Tag, Out, Mat> {
    return this.andThen(divertTo(sink.blueprint, predicate));
  }

  /**
   * Sends elements to `sink` only when it has demand, dropping them for it otherwise; never slows the main stream.
   * @example changes.wireTap(Sink.forEach(c => metrics.count(c)))
   */
  wireTap(sink: Sink<Out, unknown>): Repr<Tag, Out, Mat> {
    return this.andThen(tap(sink.blueprint, 'wireTap'));
  }

  // ---- errors and lifecycle -------------------------------------------------------------------------------

  /**
   * On upstream failure, emits `f(error)` and completes; if `f` returns `undefined` the failure passes on.
   * `f` gets the original error (unwrapped from `StageFailure`).
   * @example source.recover(e => (e instanceof ParseError ? { kind: 'end' } : undefined))
   */
  recover(f: (error: unknown) => Out | undefined): Repr<Tag, Out, Mat> {
    return this.andThen(recover(f));
  }

  /**
   * On upstream failure, switches to the source `f(error)` returns, up to `attempts` times (-1: unlimited);
   * `undefined` lets the failure pass on.
   * @example source.recoverWithRetries(3, () => fallbackSource)
   */
  recoverWithRetries(attempts: number, f: (error: unknown) => Source<Out, unknown> | undefined): Repr<Tag, Out, Mat> {
    return this.andThen(recoverWithRetries(attempts, f));
  }

  /**
   * Transforms the error the stream fails with (the original error is passed, not the `StageFailure`).
   * @example source.mapError(e => new IngestError('read failed', { cause: e }))
   */
  mapError(f: (error: unknown) => unknown): Repr<Tag, Out, Mat> {
    return this.andThen(mapError(f));
  }

  /**
   * Materializes a Promise that resolves when the stream completes or is cancelled here, and rejects when it fails.
   * @example const [, done] = source.watchTermination().toMat(Sink.ignore(), Keep.left).run()
   */
  watchTermination<M2 = Promise<void>>(
    combine: (mat: Mat, done: Promise<void>) => M2 = Keep.right as (mat: Mat, done: Promise<void>) => M2,
  ): Repr<Tag, Out, M2> {
    return this.andThenMat<Out, Promise<void>, M2>(watchTermination(), combine);
  }
}
