import { restartSource } from '../operators/source/restart-source';
import type { RestartSettings } from '../retry/backoff';
import type { NotUsed } from './keep';
import { Source } from './source';

export type { RestartSettings } from '../retry/backoff';

/**
 * Sources that restart the source `factory()` creates, with exponential backoff: for reconnecting to a database
 * or log after an error. Each run calls `factory()` again (so it can resume from the last offset). Elements are
 * never buffered: while waiting for a restart the source just emits nothing.
 *
 * The delay before restart n is `min(maxBackoffMs, minBackoffMs * 2^n) * (1 + random * randomFactor)`; `n` goes
 * back to 0 when the inner source ran for at least `minBackoffMs` before it ended — measured from the inner
 * source's start, so a source that keeps failing right after (re)starting keeps backing off further (unlike
 * akka/akka#30310, where the wait itself counted and the backoff never grew). All timers use the materializer's
 * scheduler (virtual time under a `TestClock`).
 *
 * - Emits when: the current inner source emits and downstream pulls. Backpressures when: downstream does.
 * - Completes when: the inner source completes and no restart follows (`onFailuresWithBackoff`, or the
 *   `maxRestarts` limit was reached).
 * - Fails when: the inner source fails and `restartOn` says no, or the `maxRestarts` limit was reached (with the
 *   last error).
 * - Cancels when: downstream cancels: the running inner source is cancelled and no restart is scheduled. A
 *   `RestartSource.withBackoff` otherwise never ends: stop it with a kill switch or `take`.
 */
export const RestartSource = {
  /**
   * Restarts the inner source whenever it completes or fails.
   * @example RestartSource.withBackoff({ minBackoffMs: 1_000, maxBackoffMs: 30_000, randomFactor: 0.2 }, () => Source.from(poll()))
   */
  withBackoff<T>(settings: RestartSettings, factory: () => Source<T, unknown>): Source<T, NotUsed> {
    return new Source<T, NotUsed>(restartSource('RestartSource.withBackoff', settings, factory, false));
  },

  /**
   * Restarts the inner source only when it fails; when it completes, this source completes.
   * @example
   * RestartSource.onFailuresWithBackoff(
   *   { minBackoffMs: 500, maxBackoffMs: 60_000, randomFactor: 0.2, maxRestarts: 10, maxRestartsWithinMs: 600_000 },
   *   () => cdcSource(lastOffset),
   * )
   */
  onFailuresWithBackoff<T>(settings: RestartSettings, factory: () => Source<T, unknown>): Source<T, NotUsed> {
    return new Source<T, NotUsed>(restartSource('RestartSource.onFailuresWithBackoff', settings, factory, true));
  },
};
