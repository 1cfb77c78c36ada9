import type { NotUsed } from './keep';
import type { Source } from './source';

/** Backoff and limits for `RestartSource`. */
export interface RestartSettings {
  /** First delay before a restart. */
  readonly minBackoffMs: number;
  /** Largest delay (the delay doubles per restart up to this). */
  readonly maxBackoffMs: number;
  /** Random extra delay as a fraction of the delay (0.2 = up to 20 % more), against thundering herds. */
  readonly randomFactor: number;
  /** Restarts allowed within `maxRestartsWithinMs` before the source fails for good; default unlimited. */
  readonly maxRestarts?: number;
  /** The window for `maxRestarts`; default: forever. */
  readonly maxRestartsWithinMs?: number;
  /** Which failures restart (default: all); others fail the source. */
  readonly restartOn?: (error: unknown) => boolean;
}

export declare const RestartSource: {
  withBackoff<T>(settings: RestartSettings, factory: () => Source<T, unknown>): Source<T, NotUsed>;
  onFailuresWithBackoff<T>(settings: RestartSettings, factory: () => Source<T, unknown>): Source<T, NotUsed>;
};
