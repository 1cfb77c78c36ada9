import { Committer, RestartSource, Sink, Source, Supervision, type Committable } from 'tributary';
import type { Item, Outcome, Variant, Workload } from '../lib/workload';

/**
 * F: a failure every 10 000 elements, recovered by `RestartSource` (the source fails and is restarted from the next
 * element, so each restart materializes a new inner source) or by supervision (`mapAsync` drops the failed element
 * and goes on). The live heap (after a forced GC) is measured from inside the sink at element n/10 and at the last
 * element: a leak across restarts or resumes would make the second figure grow with the number of failures.
 * Without `--expose-gc` (throughput runs, the smoke test) nothing is measured.
 */
const EVERY = 10_000;

class InjectedFailure extends Error {
  override readonly name = 'InjectedFailure';
}

/** Failures every `EVERY` elements, or every n/10 for small n (so the smoke test still restarts). */
const failureInterval = (n: number): number => Math.max(1, Math.min(EVERY, Math.floor(n / 10)));

/** Live heap in MB after a full GC, if `global.gc` is available. */
function liveHeapMB(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Counts elements reaching the sink and samples the heap at n/10 and at the last element. */
class HeapProbe {
  count = 0;
  private readonly checkpoint: number;
  atCheckpoint: number | undefined;
  atEnd: number | undefined;
  constructor(private readonly expected: number) {
    this.checkpoint = Math.max(1, Math.floor(expected / 10));
  }
  readonly onElement = (): void => {
    const c = ++this.count;
    if (c === this.checkpoint) this.atCheckpoint = liveHeapMB();
    if (c === this.expected) this.atEnd = liveHeapMB();
  };
  outcome(extra: Record<string, number>): Outcome {
    const metrics: Record<string, number> = { ...extra, checkpoint: this.checkpoint };
    if (this.atCheckpoint !== undefined) metrics['heapAtCheckpointMB'] = this.atCheckpoint;
    if (this.atEnd !== undefined) metrics['heapAtEndMB'] = this.atEnd;
    return { count: this.count, expected: this.expected, metrics };
  }
}

/**
 * Elements 0…n−1; the inner source fails at every multiple of `every` (except where it starts), and the restart
 * resumes from the element that failed — like a change feed re-read from the last position.
 */
function restartingSource(n: number, every: number): { source: Source<Item, unknown>; restarts: () => number } {
  let next = 0;
  let starts = 0;
  const source = RestartSource.onFailuresWithBackoff({ minBackoffMs: 1, maxBackoffMs: 1, randomFactor: 0 }, () => {
    const start = next;
    starts++;
    return Source.range(start, n - 1).map((i): Item => {
      if (i !== start && i % every === 0) throw new InjectedFailure(`at ${i}`);
      next = i + 1;
      return { id: i, v: i };
    });
  });
  return { source, restarts: () => starts - 1 };
}

const restart: Variant = async (n) => {
  const probe = new HeapProbe(n);
  const { source, restarts } = restartingSource(n, failureInterval(n));
  await source.runWith(Sink.forEach(probe.onElement));
  return probe.outcome({ restarts: restarts() });
};

/** The same, with offsets carried as context to a committer (its batches and timers must not leak either). */
const restartCommitter: Variant = async (n) => {
  const probe = new HeapProbe(n);
  let commits = 0;
  const committable: Committable<number> = {
    partitionOf: () => 'feed',
    commit: () => {
      commits++;
      return Promise.resolve();
    },
  };
  const { source, restarts } = restartingSource(n, failureInterval(n));
  await source
    .asSourceWithContext((item) => item.id)
    .map(probe.onElement)
    .runWith(Committer.sinkWithContext(committable, { maxBatch: 1_000 }));
  return probe.outcome({ restarts: restarts(), commits });
};

/** `mapAsync` whose call rejects every `every` elements; the resuming decider drops those elements. */
const resume: Variant = async (n) => {
  const every = failureInterval(n);
  const failures = Math.floor((n - 1) / every);
  const probe = new HeapProbe(n - failures);
  let resumed = 0;
  await Source.range(0, n - 1)
    .mapAsync(
      4,
      (i) => (i > 0 && i % every === 0 ? Promise.reject(new InjectedFailure(`at ${i}`)) : Promise.resolve({ id: i, v: i })),
      {
        supervision: (e) => {
          resumed++;
          return e instanceof InjectedFailure ? Supervision.resume : Supervision.stop;
        },
      },
    )
    .runWith(Sink.forEach(probe.onElement));
  return probe.outcome({ resumed });
};

export const workloadF: Workload = {
  variants: {
    'tributary-restart': restart,
    'tributary-restart-committer': restartCommitter,
    'tributary-resume': resume,
  },
};
