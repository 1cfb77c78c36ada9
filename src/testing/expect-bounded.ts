import { Materializer, type MaterializerSettings, type StageInfo } from '../core/materializer';
import { requireNonNegativeInt } from '../core/validate';
import type { RunnableGraph } from '../dsl/runnable-graph';

/** Options of `expectBounded`. */
export interface ExpectBoundedOptions<M> {
  /** Upper bound for the sum of all buffering stages' peaks (elements buffered + in flight). */
  readonly maxBuffered: number;
  /** Also require every stage's `peak <= capacity` (default true). */
  readonly perStage?: boolean;
  /** Picks the completion Promise from the materialized value (default: the materialized value itself). */
  readonly completion?: (mat: M) => PromiseLike<unknown>;
  /** Further materializer settings, e.g. `{ scheduler: clock }` (the observer is composed with the checker's). */
  readonly materializer?: MaterializerSettings;
}

/** What one buffering stage held at most. */
export interface BoundedStage {
  readonly name: string;
  readonly path: string;
  readonly capacity: number;
  readonly peak: number;
}

/** The result of `expectBounded`: every buffering stage materialized during the run, and the sum of their peaks. */
export interface BoundedReport {
  readonly stages: readonly BoundedStage[];
  /** Sum of peaks: an upper bound of what the stream held at any one time. */
  readonly totalPeak: number;
}

/** `expectBounded` found a stage over its capacity or a total over `maxBuffered`. */
export class BoundednessError extends Error {
  override readonly name = 'BoundednessError';
  constructor(
    message: string,
    readonly report: BoundedReport,
  ) {
    super(message);
  }
}

/**
 * Runs `graph` with a materializer that watches every buffering stage's counters (`BufferStats`), waits for the
 * completion Promise, then asserts by counting that each stage's peak stayed within its capacity and that the sum
 * of peaks is at most `maxBuffered`. Resolves to the report; rejects with a `BoundednessError` listing the
 * offending stages, or with the stream's own failure.
 *
 * The graph is started synchronously, so with virtual time drive the clock after the call:
 * `const check = expectBounded(graph, { maxBuffered: 40, materializer: { scheduler: clock } }); clock.advance(1_000); await check;`
 *
 * @example
 * const report = await expectBounded(
 *   Source.range(1, 10_000).buffer(16, OverflowStrategy.backpressure).mapAsync(4, slowCall).toMat(Sink.ignore(), Keep.right),
 *   { maxBuffered: 20 },
 * );
 */
export async function expectBounded<M>(graph: RunnableGraph<M>, options: ExpectBoundedOptions<M>): Promise<BoundedReport> {
  requireNonNegativeInt('expectBounded', 'maxBuffered', options.maxBuffered);
  const seen: StageInfo[] = [];
  const settings = options.materializer ?? {};
  const user = settings.observer;
  const materializer = new Materializer({
    ...settings,
    observer: {
      stageStarted(stage) {
        if (stage.stats) seen.push(stage);
        user?.stageStarted?.(stage);
      },
      stageStopped: user?.stageStopped?.bind(user),
    },
  });
  const mat = graph.run(materializer);
  const done = options.completion ? options.completion(mat) : mat;
  if (!isThenable(done)) {
    throw new TypeError(
      'expectBounded: the materialized value is not a Promise; pass `completion: mat => …` to pick the completion Promise',
    );
  }
  await done;

  const stages = seen.map(({ name, path, stats }) => ({ name, path, capacity: stats!.capacity, peak: stats!.peak }));
  const report: BoundedReport = { stages, totalPeak: stages.reduce((sum, s) => sum + s.peak, 0) };
  const problems = (options.perStage ?? true ? stages.filter((s) => s.peak > s.capacity) : []).map(
    (s) => `${s.path}: peak ${s.peak} > capacity ${s.capacity}`,
  );
  if (report.totalPeak > options.maxBuffered) problems.push(`total peak ${report.totalPeak} > maxBuffered ${options.maxBuffered}`);
  if (problems.length > 0) {
    const table = stages.map((s) => `  ${s.path}  capacity ${s.capacity}  peak ${s.peak}`);
    throw new BoundednessError(
      ['expectBounded: the stream buffered more than allowed', ...problems.map((p) => `  ✗ ${p}`), 'stages:', ...table].join('\n'),
      report,
    );
  }
  return report;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
