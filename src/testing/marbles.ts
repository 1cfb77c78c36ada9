import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import { Materializer, type MaterializerSettings } from '../core/materializer';
import type { Flow } from '../dsl/flow';
import { Keep } from '../dsl/keep';
import type { RunnableGraph } from '../dsl/runnable-graph';
import type { Sink } from '../dsl/sink';
import type { Source } from '../dsl/source';
import {
  describeEventMismatch,
  describeValue,
  errorEvent,
  eventTable,
  MarbleAssertionError,
  subscriptionMarble,
  type MarbleAssert,
  type MarbleEvent,
} from './marble-format';
import { marbleSink, marbleSource, parseDemand, parseMarble, type MarbleSink, type MarbleSource } from './marble-ports';
import { deepEqual } from './probes';

/** Virtual frames a marble test runs past the last frame any of its marbles mentions (unless `maxFrames` is set). */
const DEFAULT_SLACK_FRAMES = 1000;

/** The tools `marbleTest` hands to its body. Everything runs in one `TestScheduler.run`, on virtual time. */
export interface MarbleContext {
  /** The RxJS `TestScheduler` (in run mode: 1 frame = 1 virtual ms). */
  readonly scheduler: TestScheduler;
  /** RxJS's own run helpers (`cold`, `hot`, `expectObservable`, `time`…), e.g. for mapAsync's inner observables. */
  readonly helpers: RunHelpers;
  /** A materializer whose timers and yields run on the test scheduler. */
  readonly materializer: Materializer;
  /**
   * A cold source (subscribed when the stream starts) emitting the marble's events, respecting backpressure.
   * Letters map to `values` (else the letters themselves are the elements); `#` fails with `error` (default
   * `'error'`). Its materialized value is the `MarbleSource` handle.
   */
  source<T = string>(marble: string, values?: Readonly<Record<string, T>>, error?: unknown): Source<T, MarbleSource<T>>;
  /** Like `source`, but hot: frames count from the test's start (`^` marks frame 0); earlier events are lost. */
  hotSource<T = string>(marble: string, values?: Readonly<Record<string, T>>, error?: unknown): Source<T, MarbleSource<T>>;
  /**
   * A sink driven by a demand marble: a digit (or a letter of `demandValues`) is `request(n)` at its frame, `!`
   * cancels. Frames count from the stream's start (`^`, if present, marks it). Without a marble the sink requests
   * without limit (plain marble semantics). Its materialized value is the `MarbleSink` handle.
   */
  sink<T>(demand?: string, demandValues?: Readonly<Record<string, number>>): Sink<T, MarbleSink<T>>;
  /** Runs `graph` with `materializer`. */
  run<M>(graph: RunnableGraph<M>): M;
  /**
   * Asserts what a marble sink received. Errors compare by root cause (deep-equal; errors by class, name and
   * message), or pass `error` as a predicate `(failure) => boolean` that receives the error as delivered.
   */
  expectOutput(sink: MarbleSink<unknown>): { toBe(marble: string, values?: Readonly<Record<string, unknown>>, error?: unknown): void };
  /** Asserts the frames where a marble source was pulled, e.g. `'^-p---p'` (see `MarbleSource`). */
  expectPulls(source: MarbleSource<unknown>): { toBe(marble: string): void };
  /** Asserts when a marble source was subscribed and unsubscribed (cancelled or finished), e.g. `'^---!'`. */
  expectSubscriptions(source: MarbleSource<unknown>): { toBe(marbles: string | readonly string[]): void };
}

/** Options of `marbleTest` and `testFlow`. */
export interface MarbleTestOptions {
  /**
   * Compares actual with expected and throws when they differ. Default: a deep-equal that needs no test framework
   * and throws a `MarbleAssertionError` with a frame-by-frame diff. With jest: `(a, e) => expect(a).toEqual(e)`.
   */
  readonly assert?: MarbleAssert;
  /**
   * Virtual time stops here (frames). Default: 1000 frames after the last frame any marble of the test mentions,
   * so streams with periodic timers cannot run forever.
   */
  readonly maxFrames?: number;
  /** Materializer settings besides the scheduler (e.g. `syncLimit`, `observer`). */
  readonly materializer?: Omit<MaterializerSettings, 'scheduler'>;
}

/**
 * Runs `body` inside one RxJS `TestScheduler.run` with marble sources and sinks for any number of streams, then
 * checks every registered expectation. Throws on the first one that does not hold.
 *
 * @example
 * marbleTest((m) => {
 *   const left = m.source('-a--b|');
 *   const [, out] = m.run(m.source('--x|').merge(left).toMat(m.sink<string>('^3'), Keep.both));
 *   m.expectOutput(out).toBe('-ax-b|');
 * });
 */
export function marbleTest(body: (m: MarbleContext) => void, options: MarbleTestOptions = {}): void {
  const checks: Array<(afterRun: string) => void> = [];
  let horizon = 0;
  const reach = (frame: number): void => {
    if (Number.isFinite(frame) && frame > horizon) horizon = frame;
  };
  const reachEvents = (events: readonly MarbleEvent[]): void => events.forEach((e) => reach(e.frame));
  const compare = (label: string, actual: unknown, expected: unknown, describe: () => string): void => {
    if (options.assert) {
      try {
        options.assert(actual, expected);
      } catch (e) {
        if (e instanceof Error) e.message = `${label}: ${e.message}`;
        throw e;
      }
    } else if (!deepEqual(actual, expected)) {
      throw new MarbleAssertionError(describe());
    }
  };
  const scheduler = new TestScheduler(options.assert ?? assertMarbleEqual);
  let maxFrames = 0;

  scheduler.run((helpers) => {
    const materializer = new Materializer({ ...options.materializer, scheduler });
    const sourceEvents = <T>(marble: string, values: Readonly<Record<string, T>> | undefined): void => {
      const events = parseMarble(marble);
      checkLetters(marble, events, values);
      reachEvents(events);
    };

    body({
      scheduler,
      helpers,
      materializer,
      source<T>(marble: string, values?: Readonly<Record<string, T>>, error?: unknown) {
        sourceEvents(marble, values);
        return marbleSource<T>(scheduler.createColdObservable<T>(marble, values as Record<string, T>, error));
      },
      hotSource<T>(marble: string, values?: Readonly<Record<string, T>>, error?: unknown) {
        sourceEvents(marble, values);
        return marbleSource<T>(scheduler.createHotObservable<T>(marble, values as Record<string, T>, error));
      },
      sink<T>(demand?: string, demandValues?: Readonly<Record<string, number>>) {
        const steps = demand === undefined ? undefined : parseDemand(demand, demandValues);
        steps?.forEach((s) => reach(s.frame));
        return marbleSink<T>(steps);
      },
      run: (graph) => graph.run(materializer),
      expectOutput: (sink) => ({
        toBe(marble, values, error) {
          const expected = parseMarble(marble, values, error);
          checkLetters(marble, parseMarble(marble), values);
          reachEvents(expected);
          checks.push((afterRun) => {
            if (sink.violations.length > 0) {
              throw new MarbleAssertionError(`output: protocol violations\n  ${sink.violations.join('\n  ')}`);
            }
            const actual = sink.events.map((e) =>
              e.notification.kind === 'E' && typeof error === 'function' && error(sink.failure) === true
                ? errorEvent(e.frame, error)
                : e,
            );
            compare('output', actual, expected, () =>
              describeEventMismatch('output', actual, expected, marble, values) + afterRun,
            );
          });
        },
      }),
      expectPulls: (source) => ({
        toBe(marble) {
          const expected = parseMarble(marble);
          reachEvents(expected);
          checks.push((afterRun) => {
            const actual = source.pulls;
            compare('upstream pulls', actual, expected, () =>
              describeEventMismatch('upstream pulls', actual, expected, marble) + afterRun,
            );
          });
        },
      }),
      expectSubscriptions: (source) => ({
        toBe(marbles) {
          const list = typeof marbles === 'string' ? [marbles] : marbles;
          const expected = list
            .map((m) => TestScheduler.parseMarblesAsSubscriptions(m, true))
            .filter((log) => log.subscribedFrame !== Infinity);
          expected.forEach((log) => (reach(log.subscribedFrame), reach(log.unsubscribedFrame)));
          checks.push((afterRun) => {
            const actual = source.subscriptions;
            compare('upstream subscriptions', actual, expected, () =>
              [
                'upstream subscriptions did not match',
                `  expected: ${expected.map(subscriptionMarble).join(' ; ') || '(none)'}`,
                `  actual:   ${actual.map(subscriptionMarble).join(' ; ') || '(none)'}`,
              ].join('\n') + afterRun,
            );
          });
        },
      }),
    });
    maxFrames = options.maxFrames ?? horizon + DEFAULT_SLACK_FRAMES;
    scheduler.maxFrames = maxFrames;
  });

  const leftover = scheduler.actions.length;
  const afterRun =
    leftover > 0
      ? `\n\n(virtual time stopped at frame ${maxFrames} (maxFrames) with ${leftover} action(s) still scheduled; set maxFrames to run longer)`
      : '';
  for (const check of checks) check(afterRun);
}

/** Options of `testFlow`: the input marble, the demand marble and what to expect. */
export interface TestFlowOptions<In, Out> extends MarbleTestOptions {
  /** Input marble, e.g. `'-a-b-c|'` (cold: frame 0 is the stream's start). */
  readonly source: string;
  /** Elements for the letters of `source` (default: the letters themselves). */
  readonly values?: Readonly<Record<string, In>>;
  /** The error `#` in `source` fails with (default `'error'`). */
  readonly error?: unknown;
  /** Make the source hot: elements come at their frames even if nobody pulls (they still wait for demand). */
  readonly hot?: boolean;
  /** Demand marble, e.g. `'^-2--1--9'`: `request(n)` per digit, `!` cancels. Default: unbounded demand. */
  readonly demand?: string;
  /** Letters of `demand` mapped to request sizes, e.g. `{ u: Infinity }`. */
  readonly demandValues?: Readonly<Record<string, number>>;
  /** Expected output marble, e.g. `'-a---b-(c|)'`. */
  readonly expected: string;
  /** Elements for the letters of `expected` (default: `values`). */
  readonly expectedValues?: Readonly<Record<string, Out>>;
  /** The root cause expected for `#` in `expected` (default: `error`), or a predicate on the delivered failure. */
  readonly expectedError?: unknown;
  /** Expected frames where the flow pulled from the source, e.g. `'p--p'` (see `MarbleSource`). */
  readonly upstreamPulls?: string;
  /** Expected subscription of the source, e.g. `'^--!'` (`!`: the flow cancelled it or it finished). */
  readonly upstreamSubscription?: string;
}

/**
 * Marble-tests a flow: feeds it a backpressure-respecting marble source, drives demand with an optional demand
 * marble, and compares the output (and optionally the upstream pulls and subscription) on virtual time. Timers
 * of stages run on the test scheduler; Promises are not virtualized (return Observables from `mapAsync`).
 *
 * @example
 * testFlow(Flow.create<string>().take(2), { source: '-a-b-c|', expected: '-a-(b|)', upstreamSubscription: '^--!' });
 * // backpressure: elements wait until the demand marble requests them
 * testFlow(Flow.create<string>().map(x => x.toUpperCase()), {
 *   source: '-a-b-c|', demand: '^--1---2', expected: '--A----(BC|)', expectedValues: { A: 'A', B: 'B', C: 'C' },
 *   upstreamPulls: '--p----p',
 * });
 */
export function testFlow<In, Out>(flow: Flow<In, Out, unknown>, options: TestFlowOptions<In, Out>): void {
  marbleTest((m) => {
    const source = options.hot
      ? m.hotSource<In>(options.source, options.values, options.error)
      : m.source<In>(options.source, options.values, options.error);
    const [src, sink] = m.run(source.via(flow).toMat(m.sink<Out>(options.demand, options.demandValues), Keep.both));
    m.expectOutput(sink).toBe(options.expected, options.expectedValues ?? options.values, options.expectedError ?? options.error);
    if (options.upstreamPulls !== undefined) m.expectPulls(src).toBe(options.upstreamPulls);
    if (options.upstreamSubscription !== undefined) m.expectSubscriptions(src).toBe(options.upstreamSubscription);
  }, options);
}

/**
 * The default marble assertion: deep-equal (errors by class, name and message), throwing a `MarbleAssertionError`
 * with a frame-by-frame table when `actual` and `expected` are event lists.
 */
export function assertMarbleEqual(actual: unknown, expected: unknown): void {
  if (deepEqual(actual, expected)) return;
  const isEvents = (x: unknown): x is MarbleEvent[] =>
    Array.isArray(x) && x.every((e) => typeof e === 'object' && e !== null && 'frame' in e && 'notification' in e);
  const detail =
    isEvents(actual) && isEvents(expected)
      ? eventTable(actual, expected).join('\n')
      : `expected: ${describeValue(expected)}\nactual:   ${describeValue(actual)}`;
  throw new MarbleAssertionError(`marbles did not match\n${detail}`);
}


function checkLetters(marble: string, letters: readonly MarbleEvent[], values: Readonly<Record<string, unknown>> | undefined): void {
  if (!values) return;
  for (const e of letters) {
    const letter = e.notification.value as string;
    if (e.notification.kind === 'N' && !(letter in values)) {
      throw new RangeError(`marble '${marble}': '${letter}' has no entry in values`);
    }
  }
}

