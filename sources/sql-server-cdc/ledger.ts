import type { CdcControlUpdate } from './checkpoint';
import { comparePosition, laterPosition } from './position';
import type { DeferredUpdate } from './read-batch';
import type { CdcOffset, CdcPosition } from './types';

/**
 * What the source has emitted and what the committer has stored, per partition, so the source can make its own
 * checkpoint updates (idle advancement, snapshot bookkeeping, removed instances) only once nothing emitted
 * before them on their partition is still on its way. The committer receives offsets in emission order, so a
 * committed offset with sequence number n means every element emitted before n has passed the committer
 * (committed, or dropped by a filter on the way).
 */
export class CommitLedger {
  private seq = 0;
  private readonly lastEmitted = new Map<string, number>();
  private committedSeq = 0;
  private readonly committed = new Map<string, CdcPosition>();
  private readonly pending = new Map<string, CdcControlUpdate>();

  /** Stamps an offset about to be emitted on `partition`. */
  readonly stamp = (partition: string): number => {
    const seq = ++this.seq;
    this.lastEmitted.set(partition, seq);
    return seq;
  };

  /** The committed position of a capture instance. */
  committedPosition(captureInstance: string): CdcPosition | undefined {
    return this.committed.get(`ci:${captureInstance}`);
  }

  /** Seeds a committed position (from the checkpoint at start). */
  seed(captureInstance: string, position: CdcPosition): void {
    this.committed.set(`ci:${captureInstance}`, laterPosition(this.committed.get(`ci:${captureInstance}`), position));
  }

  /** Records a successful commit of offsets and/or control updates. */
  onCommitted(items: readonly (CdcOffset | CdcControlUpdate)[]): void {
    for (const item of items) {
      if ('seq' in item && item.seq > this.committedSeq) this.committedSeq = item.seq;
      if (item.kind === 'change' || item.kind === 'advance') this.seed(item.instance.captureInstance, item.position);
      else if (item.kind === 'snapshot-start') for (const i of item.instances) this.seed(i.instance.captureInstance, i.position);
    }
  }

  /** Queues updates to make once their partitions are quiet (a later update of a partition replaces the earlier). */
  defer(updates: readonly DeferredUpdate[]): void {
    for (const { partition, update } of updates) this.pending.set(partition, update);
  }

  /** Whether every offset emitted so far has passed the committer. */
  get allCommitted(): boolean {
    return this.committedSeq >= this.seq;
  }

  /** Whether any update waits. */
  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Takes the queued updates whose partitions are quiet; `includeAdvances` false leaves idle advancements queued
   * (they are throttled). Advancements that would not move a committed position are dropped.
   */
  takeReady(includeAdvances: boolean): CdcControlUpdate[] {
    const ready: CdcControlUpdate[] = [];
    for (const [partition, update] of this.pending) {
      if ((this.lastEmitted.get(partition) ?? 0) > this.committedSeq) continue;
      if (update.kind === 'advance') {
        if (!includeAdvances) continue;
        const current = this.committed.get(partition);
        this.pending.delete(partition);
        if (current !== undefined && comparePosition(update.position, current) <= 0) continue;
      } else {
        this.pending.delete(partition);
      }
      ready.push(update);
    }
    return ready;
  }
}
