import type { CdcControlUpdate } from './checkpoint';
import type { Lsn } from './lsn';
import type { CdcNotification, CdcOffset, ChangeEvent } from './types';

/** A checkpoint update to make once everything emitted before it on `partition` is committed. */
export interface DeferredUpdate {
  readonly partition: string;
  readonly update: CdcControlUpdate;
}

/** How one streaming window ended. */
export interface WindowSummary {
  /** Events emitted in the window. */
  readonly rows: number;
  /** Whether the window stopped before the max LSN (`maxTransactionsPerIteration`): poll again at once. */
  readonly capped: boolean;
  readonly maxLsn: Lsn;
  readonly to: Lsn;
  readonly durationMs: number;
  /** The lowest read position's LSN after the window (for the max-LSN distance metric). */
  readonly lowestLsn: Lsn;
}

/** What one read step produced: at most one page of events, plus bookkeeping. */
export interface ReadBatch {
  readonly events: [ChangeEvent, CdcOffset][];
  readonly deferred: DeferredUpdate[];
  readonly notifications: CdcNotification[];
  /** Set when a streaming window ended with this step. */
  readonly windowEnd?: WindowSummary;
  /** Set when the capture job has not produced a max LSN yet (nothing to read; poll later). */
  readonly noCapture?: boolean;
}

/** An empty batch to fill. */
export function emptyBatch(): { events: [ChangeEvent, CdcOffset][]; deferred: DeferredUpdate[]; notifications: CdcNotification[] } {
  return { events: [], deferred: [], notifications: [] };
}

/** Assigns each emitted offset its run-wide sequence number and records it as the partition's latest. */
export type Stamp = (partition: string) => number;
