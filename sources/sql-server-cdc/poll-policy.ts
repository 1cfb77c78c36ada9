import { backoffDelay } from '../../src/retry/backoff';

/** The delays of the poll loop. */
export interface PollSettings {
  readonly pollIntervalMs: number;
  readonly maxPollIntervalMs: number;
  readonly jitter: number;
  readonly errorMinMs: number;
  readonly errorMaxMs: number;
}

/**
 * When the source polls next (research brief §4.3 step 6): the poll interval after a window with changes, at
 * once after a window capped by `maxTransactionsPerIteration`, an exponential backoff with jitter up to the
 * maximum while idle, and a separate exponential backoff after transient failures.
 *
 * @example
 * const policy = new PollPolicy({ pollIntervalMs: 500, maxPollIntervalMs: 5_000, jitter: 0.2, errorMinMs: 1_000, errorMaxMs: 30_000 });
 * policy.afterWindow({ rows: 0, capped: false }); // ≈ 500, then ≈ 1 000, 2 000, 4 000, 5 000 …
 */
export class PollPolicy {
  private idleStep = 0;
  private errorStep = 0;

  constructor(private readonly settings: PollSettings) {}

  /** The delay after a window (0 = poll again at once). */
  afterWindow(window: { readonly rows: number; readonly capped: boolean }): number {
    const { pollIntervalMs, jitter } = this.settings;
    if (window.capped) return 0;
    if (window.rows > 0) {
      this.idleStep = 0;
      return pollIntervalMs * (1 + Math.random() * jitter);
    }
    return this.idle();
  }

  /** The delay while the capture job has produced nothing yet (no max LSN): like an idle window. */
  whileNoCapture(): number {
    return this.idle();
  }

  /** The delay before retrying after a transient failure. */
  afterError(): number {
    const { errorMinMs, errorMaxMs, jitter } = this.settings;
    return backoffDelay(errorMinMs, errorMaxMs, jitter, this.errorStep++);
  }

  /** A read succeeded: the error backoff starts over. */
  succeeded(): void {
    this.errorStep = 0;
  }

  private idle(): number {
    const { pollIntervalMs, maxPollIntervalMs, jitter } = this.settings;
    const delay = backoffDelay(pollIntervalMs, maxPollIntervalMs, jitter, this.idleStep);
    if (pollIntervalMs * 2 ** this.idleStep < maxPollIntervalMs) this.idleStep++;
    return delay;
  }
}
