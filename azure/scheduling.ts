import { asyncScheduler, type SchedulerLike } from 'rxjs';

/** Time and randomness of the Azure classes, injectable so tests can drive them (e.g. with a `TestClock`). */
export interface TimingOptions {
  /** Scheduler for every timer and the current time; default RxJS `asyncScheduler` (real time). */
  readonly scheduler?: SchedulerLike;
  /** Source of jitter in [0, 1); default `Math.random`. */
  readonly random?: () => number;
}

/** Resolved timing. */
export interface Timing {
  readonly scheduler: SchedulerLike;
  readonly random: () => number;
}

export function timing(options: TimingOptions = {}): Timing {
  return { scheduler: options.scheduler ?? asyncScheduler, random: options.random ?? Math.random };
}

/** Resolves after `ms` on `scheduler`; rejects with the signal's reason if `signal` aborts first. */
export function sleep(scheduler: SchedulerLike, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.unsubscribe();
      reject(signal?.reason);
    };
    const timer = scheduler.schedule(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
