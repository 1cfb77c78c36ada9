import type { SchedulerLike } from 'rxjs';

/**
 * Rethrows `error` from a scheduler task, for an error that arises after its stream ended (a throwing
 * `Sink.onComplete` callback, `postStop`), so it reaches the host's uncaught-error handling, as RxJS does with
 * errors thrown by observers, instead of being thrown into whichever stage or callback happened to trigger it.
 */
export function reportUncaught(scheduler: SchedulerLike, error: unknown): void {
  scheduler.schedule(() => {
    throw error;
  });
}
