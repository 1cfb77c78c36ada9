import { requireFunction, requirePositiveDuration, requirePositiveInt } from '../core/validate';
import { Flow } from '../dsl/flow';
import { Keep, type NotUsed } from '../dsl/keep';
import { Sink } from '../dsl/sink';
import type { Committable } from './committable';
import { CommitTracker, type CommitTrackerOptions } from './commit-tracker';
import { committerStage, type CommitResult, type CommitterConfig } from './committer-stage';

/** Settings of `Committer.sink` / `Committer.flow`. */
export interface CommitterSettings<Offset> {
  /** Commit once this many acknowledged offsets are in the batch (default 1000). */
  readonly maxBatch?: number;
  /** Commit at the latest this many ms after the first offset entered the batch (default 10 000). */
  readonly maxIntervalMs?: number;
  /** Commits that may run at once (default 1). */
  readonly parallelism?: number;
  /**
   * The tracker (`Committer.track`) of a stream whose acknowledgements arrive out of order; without it,
   * acknowledgements must arrive in source order.
   */
  readonly tracker?: CommitTracker<Offset>;
}

function requireCommittable(op: string, committable: Committable<unknown>): void {
  if (typeof committable !== 'object' || committable === null) {
    throw new TypeError(`${op}: committable must be an object, got ${committable === null ? 'null' : typeof committable}`);
  }
  requireFunction(op, 'committable.partitionOf', committable.partitionOf);
  requireFunction(op, 'committable.commit', committable.commit);
  if (committable.compare !== undefined) requireFunction(op, 'committable.compare', committable.compare);
}

function configure<Offset>(
  op: string,
  committable: Committable<Offset>,
  settings: CommitterSettings<Offset> = {},
): CommitterConfig<Offset> {
  requireCommittable(op, committable);
  const { maxBatch = 1000, maxIntervalMs = 10_000, parallelism = 1, tracker } = settings;
  requirePositiveInt(op, 'settings.maxBatch', maxBatch);
  requirePositiveDuration(op, 'settings.maxIntervalMs', maxIntervalMs);
  requirePositiveInt(op, 'settings.parallelism', parallelism);
  if (tracker !== undefined) {
    if (!(tracker instanceof CommitTracker)) throw new TypeError(`${op}: settings.tracker must come from Committer.track`);
    if (tracker.committable !== committable) {
      throw new TypeError(`${op}: settings.tracker was created by Committer.track for another committable`);
    }
  }
  return { maxBatch, maxIntervalMs, parallelism, tracker };
}

/**
 * Commits the offsets that reach it, after everything before it processed them (Alpakka Kafka's `Committer`):
 * place it at the end of a stream whose elements carry offsets (`SourceWithContext`), so an offset is committed
 * only once its element got through the sink.
 *
 * Offsets are batched per partition (the highest acknowledged one of each partition is committed) and committed
 * when `maxBatch` offsets are in the batch or `maxIntervalMs` passed since the batch's first offset (on the
 * materializer's scheduler); at most `parallelism` commits run at once, and their results are handed on in commit
 * order (a commit slot frees when that commit and every earlier one finished). When upstream completes — e.g.
 * after `DrainingControl.drainAndShutdown()` — the remaining offsets are committed before the committer completes.
 *
 * Order: without a tracker, offsets must arrive in source order per partition; with `Committable.compare`, an
 * offset lower than one already seen fails the stream with `OffsetOrderError` instead of being committed past.
 * With a tracker (`Committer.track`), acknowledgements may arrive in any order and only the contiguous
 * acknowledged prefix of each partition is committed (gap tracking).
 *
 * - Backpressures when: a full batch waits for a free commit slot (`parallelism` commits running, or — for
 *   `flow` — finished commits whose results downstream has not taken).
 * - Completes when: upstream completed and the last commit succeeded.
 * - Fails when: a commit rejects (`CommitFailedError` naming its offsets), an offset arrives out of order
 *   (`OffsetOrderError`), a tracked offset is acknowledged that is not outstanding (`UntrackedOffsetError`), the
 *   stream completes with tracked offsets never acknowledged (`UnacknowledgedOffsetsError`, after committing the
 *   prefix before them), or upstream fails (nothing more is committed).
 */
export const Committer = {
  /**
   * A sink committing the offsets it receives; its Promise resolves after the last commit.
   * @example
   * const done = changes.asSourceWithContext(c => c.offset).mapAsync(8, publish)
   *   .asSource().map(([, offset]) => offset)
   *   .runWith(Committer.sink(committable, { maxBatch: 500, maxIntervalMs: 1_000 }));
   */
  sink<Offset>(committable: Committable<Offset>, settings?: CommitterSettings<Offset>): Sink<Offset, Promise<void>> {
    return Committer.flow(committable, settings).toMat(Sink.ignore(), Keep.right);
  },

  /**
   * A sink for a `SourceWithContext`: commits the context of each `[element, offset]` pair.
   * @example
   * const control = changes
   *   .viaMat(KillSwitches.single(), Keep.right)
   *   .asSourceWithContext(c => c.offset)
   *   .mapAsync(8, publish)
   *   .toMat(Committer.sinkWithContext(committable), DrainingControl.create)
   *   .run();
   * process.once('SIGTERM', () => control.drainAndShutdown());
   */
  sinkWithContext<Offset>(
    committable: Committable<Offset>,
    settings?: CommitterSettings<Offset>,
  ): Sink<[unknown, Offset], Promise<void>> {
    const sink = Committer.sink(committable, settings);
    return Flow.create<[unknown, Offset]>()
      .map((pair) => pair[1])
      .toMat(sink, Keep.right);
  },

  /**
   * A flow committing the offsets it receives and emitting a `CommitResult` per commit, in commit order.
   * @example offsets.via(Committer.flow(committable)).runWith(Sink.forEach(r => log.info(`committed ${r.acknowledged}`)))
   */
  flow<Offset>(committable: Committable<Offset>, settings?: CommitterSettings<Offset>): Flow<Offset, CommitResult<Offset>, NotUsed> {
    const config = configure('Committer', committable, settings);
    return new Flow<Offset, CommitResult<Offset>, NotUsed>(committerStage(committable, config));
  },

  /**
   * Gap tracking for acknowledgements that arrive out of order (e.g. from a sink that completes sends in
   * parallel). Put `tracker.flow()` right after the source, where the order is still the source's: it registers
   * every offset per partition. Give the tracker to `Committer.sink(committable, { tracker })`: the committer then
   * commits, per partition, only up to the first offset not yet acknowledged. Between the two, contexts must not be
   * dropped (a dropped offset is a gap that never closes), so the tracked flow only offers `map`, `mapAsync` and
   * `grouped`, and the stage that acknowledges must emit every context once, in any order.
   *
   * When `maxDeferred` acknowledgements wait on a gap, the tracker stops pulling from the source (the committer
   * keeps taking acknowledgements, since the one that closes the gap must still get through): memory stays
   * bounded by `maxDeferred` plus the elements already between tracker and committer.
   *
   * The committer recognises an acknowledged offset by value (`===` semantics of a `Map` key): acknowledge the
   * very context values the tracker saw. One tracker serves one running stream at a time.
   * @example
   * const tracker = Committer.track(committable, { maxDeferred: 1000 });
   * const control = changes
   *   .viaMat(KillSwitches.single(), Keep.right)
   *   .asSourceWithContext(c => c.offset)
   *   .via(tracker.flow<Change>().map(toMessage))
   *   .asSource()
   *   .mapAsyncUnordered(16, async ([message, offset]) => { await bus.send(message); return offset; })
   *   .toMat(Committer.sink(committable, { tracker }), DrainingControl.create)
   *   .run();
   */
  track<Offset>(committable: Committable<Offset>, options?: CommitTrackerOptions): CommitTracker<Offset> {
    requireCommittable('Committer.track', committable);
    return new CommitTracker(committable, options);
  },
};
