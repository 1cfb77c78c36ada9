import { RingBuffer } from '../core/ring-buffer';
import { rootCause } from '../core/stage-failure';
import { requireFunction, requireNonNegativeInt, requirePositiveDuration } from '../core/validate';

/** Backoff and limits for `RestartSource`, `RestartFlow` and `RestartSink`. */
export interface RestartSettings {
  /** First delay before a restart, in ms (> 0). */
  readonly minBackoffMs: number;
  /** Largest delay (the delay doubles per restart up to this), in ms (>= `minBackoffMs`). */
  readonly maxBackoffMs: number;
  /** Random extra delay as a fraction of the delay (0.2 = up to 20 % more), against thundering herds. */
  readonly randomFactor: number;
  /**
   * Restarts allowed within `maxRestartsWithinMs` before the stage ends for good (failing with the last error,
   * or completing if the last run completed); 0 = never restart; default unlimited.
   */
  readonly maxRestarts?: number;
  /** The sliding window for `maxRestarts`, in ms; default: forever (`maxRestarts` counts all restarts). */
  readonly maxRestartsWithinMs?: number;
  /** Which failures restart (default: all); it gets the original error. Others fail the stage at once. */
  readonly restartOn?: (error: unknown) => boolean;
}

/**
 * The delay before restart or retry number `step` (0-based): `min(maxBackoffMs, minBackoffMs * 2^step)`, plus up
 * to `randomFactor` of it at random.
 */
export function backoffDelay(minBackoffMs: number, maxBackoffMs: number, randomFactor: number, step: number): number {
  return Math.min(maxBackoffMs, minBackoffMs * 2 ** step) * (1 + Math.random() * randomFactor);
}

/** Checks a min/max/randomFactor triple; `prefix` names where the fields live (e.g. `settings.`). */
export function validateBackoff(op: string, prefix: string, min: unknown, max: unknown, randomFactor: unknown): void {
  requirePositiveDuration(op, `${prefix}minBackoffMs`, min);
  requirePositiveDuration(op, `${prefix}maxBackoffMs`, max);
  if ((max as number) < (min as number)) {
    throw new RangeError(`${op}: ${prefix}maxBackoffMs (${String(max)}) must be >= ${prefix}minBackoffMs (${String(min)})`);
  }
  if (typeof randomFactor !== 'number' || !Number.isFinite(randomFactor) || randomFactor < 0) {
    throw new RangeError(`${op}: ${prefix}randomFactor must be a finite number >= 0, got ${String(randomFactor)}`);
  }
}

/** Checks `settings` with errors naming the field and value; returns a frozen copy. */
export function validateRestartSettings(op: string, settings: RestartSettings): RestartSettings {
  if (typeof settings !== 'object' || settings === null) {
    throw new TypeError(`${op}: settings must be an object, got ${settings === null ? 'null' : typeof settings}`);
  }
  const { minBackoffMs, maxBackoffMs, randomFactor, maxRestarts, maxRestartsWithinMs, restartOn } = settings;
  validateBackoff(op, 'settings.', minBackoffMs, maxBackoffMs, randomFactor);
  if (maxRestarts !== undefined) requireNonNegativeInt(op, 'settings.maxRestarts', maxRestarts);
  if (maxRestartsWithinMs !== undefined) {
    if (maxRestarts === undefined) throw new TypeError(`${op}: settings.maxRestartsWithinMs needs settings.maxRestarts`);
    requirePositiveDuration(op, 'settings.maxRestartsWithinMs', maxRestartsWithinMs);
  }
  if (restartOn !== undefined) requireFunction(op, 'settings.restartOn', restartOn);
  return Object.freeze({ ...settings });
}

/**
 * The restart policy of one materialized restarting stage: whether an inner stream that ended may be restarted,
 * and after which delay. The delay doubles per restart from `minBackoffMs` up to `maxBackoffMs` and starts again
 * from `minBackoffMs` once an inner stream ran for at least `minBackoffMs` — measured from its start, not from the
 * restart decision, so a stream that keeps failing right after (re)starting backs off further (akka/akka#30310).
 * More than `maxRestarts` restarts within any `maxRestartsWithinMs` window end the stage.
 */
export class RestartBackoff {
  /** Restarts since the backoff was last reset (the exponent of the delay). */
  private step = 0;
  /** Times of the recent restarts, when `maxRestarts` is limited. */
  private readonly recent: RingBuffer<number> | undefined;

  constructor(
    private readonly settings: RestartSettings,
    /** Restart only after failures (`onFailuresWithBackoff`): a normal end ends the stage. */
    private readonly onlyOnFailures: boolean,
  ) {
    const max = settings.maxRestarts;
    this.recent = max !== undefined && max > 0 ? new RingBuffer<number>(max) : undefined;
  }

  /**
   * Called when an inner stream that started at `startedAt` ended at `now` (with `failure` when it failed):
   * the delay before restarting it (the restart is counted), or `undefined` when the stage must end instead.
   */
  restartDelay(now: number, startedAt: number, failure?: { readonly error: unknown }): number | undefined {
    const { restartOn, minBackoffMs, maxBackoffMs, randomFactor } = this.settings;
    if (failure ? restartOn !== undefined && !restartOn(rootCause(failure.error)) : this.onlyOnFailures) return undefined;
    if (!this.restartAllowed(now)) return undefined;
    if (now - startedAt >= minBackoffMs) this.step = 0;
    const delay = backoffDelay(minBackoffMs, maxBackoffMs, randomFactor, this.step);
    if (minBackoffMs * 2 ** this.step < maxBackoffMs) this.step++;
    return delay;
  }

  /** Counts a restart unless `maxRestarts` were already made within the window. */
  private restartAllowed(now: number): boolean {
    const { maxRestarts, maxRestartsWithinMs = Number.POSITIVE_INFINITY } = this.settings;
    if (maxRestarts === undefined) return true;
    const recent = this.recent;
    if (!recent) return false; // maxRestarts 0
    while (!recent.isEmpty && now - recent.peek() >= maxRestartsWithinMs) recent.shift();
    if (recent.isFull) return false;
    recent.push(now);
    return true;
  }
}
