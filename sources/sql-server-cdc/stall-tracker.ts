import type { Lsn } from './lsn';
import type { CdcNotification } from './types';

/**
 * F6: the capture job writes mapping rows (dummy ones while idle), so a max LSN that stands still for long means
 * the SQL Server Agent or the capture job stopped. Reports `capture-stalled` once after `thresholdMs` without a
 * new max LSN, and `capture-resumed` when it moves again.
 *
 * @example
 * const stall = new StallTracker(300_000, now());
 * const note = stall.observe(maxLsn, now()); // a notification, or undefined
 */
export class StallTracker {
  private maxLsn: Lsn | null = null;
  private reported = false;

  constructor(
    private readonly thresholdMs: number,
    private since: number,
  ) {}

  /** Records the max LSN seen at `now` (null: none yet); returns a notification when the state changes. */
  observe(max: Lsn | null, now: number): CdcNotification | undefined {
    if (max !== this.maxLsn) {
      const resumed = this.reported && max !== null;
      this.reported = false;
      this.maxLsn = max;
      this.since = now;
      return resumed ? { kind: 'capture-resumed', maxLsn: max } : undefined;
    }
    if (this.reported || now - this.since < this.thresholdMs) return undefined;
    this.reported = true;
    return { kind: 'capture-stalled', maxLsn: max, stalledMs: now - this.since };
  }

  /** The last max LSN seen. */
  get last(): Lsn | null {
    return this.maxLsn;
  }
}
