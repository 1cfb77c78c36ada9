import { asyncScheduler, type SchedulerLike } from 'rxjs';

/** Buffer counters every asynchronous stage exposes, so tests and metrics can see boundedness. */
export interface BufferStats {
  /** Maximum elements the stage holds (its ring buffer size or parallelism). */
  readonly capacity: number;
  /** Elements held now, waiting to be pushed downstream. */
  readonly buffered: number;
  /** Elements being processed now (e.g. `mapAsync` calls not yet resolved). */
  readonly inFlight: number;
  /** Highest `buffered + inFlight` seen. */
  readonly peak: number;
  /** How many more elements the stage would accept right now. */
  readonly demand: number;
}

/** A materialized stage as observers see it. */
export interface StageInfo {
  readonly name: string;
  readonly path: string;
  /** Present on stages that buffer (async boundaries, mapAsync, buffer, time-based batching, async sinks). */
  readonly stats?: BufferStats;
}

/** Callbacks about stages a materializer runs (metrics, `expectBounded`). */
export interface StageObserver {
  stageStarted?(stage: StageInfo): void;
  stageStopped?(stage: StageInfo): void;
}

/** How streams run: the scheduler all timers use, fairness, and observers. */
export interface MaterializerSettings {
  /** Scheduler for every timer in every stage; default RxJS `asyncScheduler`. Pass a `TestClock` for virtual time. */
  readonly scheduler?: SchedulerLike;
  /** Elements a source emits synchronously before yielding to the event loop; default 4096 (1..1_000_000). */
  readonly syncLimit?: number;
  /**
   * How a long synchronous run continues after yielding. Default: a macrotask (`setImmediate`) with the default
   * scheduler, or `scheduler.schedule(fn)` when a scheduler is given (so virtual time controls it too).
   */
  readonly yieldTo?: (continuation: () => void) => void;
  /** Observes stage start/stop. */
  readonly observer?: StageObserver;
}

/** Runs blueprints. Immutable and shareable; each `run` creates independent stages. */
export class Materializer {
  readonly scheduler: SchedulerLike;
  readonly syncLimit: number;
  readonly yieldTo: (continuation: () => void) => void;
  readonly observer: StageObserver | undefined;

  constructor(settings: MaterializerSettings = {}) {
    this.scheduler = settings.scheduler ?? asyncScheduler;
    const limit = settings.syncLimit ?? 4096;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000) {
      throw new RangeError(`syncLimit must be an integer in 1..1000000, got ${String(limit)}`);
    }
    this.syncLimit = limit;
    const scheduler = this.scheduler;
    this.yieldTo =
      settings.yieldTo ??
      (settings.scheduler === undefined || settings.scheduler === asyncScheduler
        ? (fn) => void setImmediate(fn)
        : (fn) => void scheduler.schedule(fn));
    this.observer = settings.observer;
  }

  /** The materializer `run()` uses when none is given. */
  static readonly default = new Materializer();

  /** Accepts a materializer, settings for one, or nothing (the default). */
  static from(m?: Materializer | MaterializerSettings): Materializer {
    if (m === undefined) return Materializer.default;
    return m instanceof Materializer ? m : new Materializer(m);
  }
}
