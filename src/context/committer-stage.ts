import type { Blueprint, StageContext } from '../core/blueprint';
import { BufferCounters } from '../core/buffer-counters';
import type { BufferStats } from '../core/materializer';
import { RingBuffer } from '../core/ring-buffer';
import { GraphStageLogic } from '../stage/graph-stage';
import { Inlet, Outlet } from '../stage/shape';
import { logicBlueprint } from '../stage/stage-blueprint';
import type { Committable } from './committable';
import type { CommitTracker, TrackRegistry } from './commit-tracker';
import { CommitFailedError, OffsetOrderError, UnacknowledgedOffsetsError } from './errors';

/** What one commit persisted: `Committer.flow` emits one per commit, in commit order. */
export interface CommitResult<Offset> {
  /** The committed offsets, one per partition (the highest acknowledged in the batch). */
  readonly offsets: readonly Offset[];
  /** How many acknowledged offsets the commit covers. */
  readonly acknowledged: number;
}

/** @internal Validated committer settings. */
export interface CommitterConfig<Offset> {
  readonly maxBatch: number;
  readonly maxIntervalMs: number;
  readonly parallelism: number;
  readonly tracker: CommitTracker<Offset> | undefined;
}

interface Commit<Offset> {
  readonly result: CommitResult<Offset>;
  done: boolean;
}

const inlet = new Inlet<any>('committer.in');
const outlet = new Outlet<any>('committer.out');
const INTERVAL = 'maxInterval';

/**
 * Batches acknowledged offsets per partition and commits them: when `maxBatch` offsets are in the batch, when
 * `maxIntervalMs` passed since its first offset, or when upstream completed; at most `parallelism` commits run at
 * once (results wait in the same slots until emitted, so a slow downstream also backpressures). Without a tracker,
 * offsets must arrive in order (checked with `Committable.compare` when present); with one, only the contiguous
 * acknowledged prefix of each partition enters the batch. Reports its commits as `BufferStats`.
 */
class CommitterLogic<Offset> extends GraphStageLogic {
  private batch = new Map<string, Offset>();
  private batchCount = 0;
  private due = false;
  private upstreamDone = false;
  private unacknowledged: UnacknowledgedOffsetsError | undefined;
  private readonly commits: RingBuffer<Commit<Offset>>;
  /** Highest offset seen per partition, kept only to detect out-of-order offsets (compare, no tracker). */
  private readonly highest: Map<string, Offset> | undefined;
  private readonly advance = (partition: string, offset: Offset, count: number): void => this.add(partition, offset, count);
  /** Commits running (in flight) and finished ones whose results wait to be emitted (buffered). */
  private readonly counters: BufferCounters;

  constructor(
    ctx: StageContext,
    private readonly committable: Committable<Offset>,
    private readonly config: CommitterConfig<Offset>,
    private readonly registry: TrackRegistry<Offset> | undefined,
  ) {
    super(ctx, [inlet], [outlet]);
    this.commits = new RingBuffer(config.parallelism);
    this.counters = new BufferCounters(config.parallelism, () => this.commits.size - this.commitsRunning(), () => this.commitsRunning());
    this.highest = !registry && committable.compare ? new Map() : undefined;
    this.setHandler(inlet, {
      onPush: () => this.onOffset(this.grab(inlet)),
      onUpstreamFinish: () => this.onUpstreamDone(),
    });
    this.setHandler(outlet, { onPull: () => this.progress() });
  }

  override stats(): BufferStats {
    return this.counters;
  }

  private commitsRunning(): number {
    let n = 0;
    for (let i = 0; i < this.commits.size; i++) if (!this.commits.at(i).done) n++;
    return n;
  }

  override preStart(): void {
    if (this.registry && !this.registry.has('tracker')) {
      throw new Error("Committer: the tracker's flow (tracker.flow()) is not part of this stream");
    }
    this.progress();
  }

  override postStop(): void {
    this.registry?.leave('committer');
  }

  protected override onTimer(): void {
    this.due = true;
    this.progress();
  }

  private onOffset(offset: Offset): void {
    if (this.registry) {
      this.registry.acknowledge(offset, this.advance);
    } else {
      const partition = this.committable.partitionOf(offset);
      const highest = this.highest;
      if (highest) {
        const previous = highest.get(partition);
        if (previous !== undefined && this.committable.compare!(offset, previous) < 0) {
          throw new OffsetOrderError(partition, offset, previous);
        }
        highest.set(partition, offset);
      }
      this.add(partition, offset, 1);
    }
    this.progress();
  }

  private onUpstreamDone(): void {
    this.upstreamDone = true;
    const registry = this.registry;
    if (registry && registry.outstanding > 0) this.unacknowledged = new UnacknowledgedOffsetsError(registry.unacknowledged());
    this.progress();
  }

  private add(partition: string, offset: Offset, count: number): void {
    if (this.batch.size === 0) this.scheduleOnce(INTERVAL, this.config.maxIntervalMs);
    this.batch.set(partition, offset);
    this.batchCount += count;
  }

  /** Emits finished commits, starts a due commit, then pulls, completes or waits. */
  private progress(): void {
    const commits = this.commits;
    while (!commits.isEmpty && commits.peek().done && this.isAvailable(outlet)) this.push(outlet, commits.shift().result);
    const batchDue = this.batchCount >= this.config.maxBatch || this.due || this.upstreamDone;
    if (this.batch.size > 0 && batchDue && !commits.isFull) this.startCommit();
    if (this.upstreamDone) {
      if (this.batch.size === 0 && commits.isEmpty) {
        if (this.unacknowledged) this.failStage(this.unacknowledged);
        else this.completeStage();
      }
    } else if (this.batchCount < this.config.maxBatch) {
      this.tryPull(inlet);
    }
  }

  private startCommit(): void {
    const offsets = [...this.batch.values()];
    const commit: Commit<Offset> = { result: { offsets, acknowledged: this.batchCount }, done: false };
    this.batch = new Map();
    this.batchCount = 0;
    this.due = false;
    this.cancelTimer(INTERVAL);
    this.commits.push(commit);
    this.counters.sample();
    let pending: Promise<void>;
    try {
      pending = Promise.resolve(this.committable.commit(offsets));
    } catch (e) {
      throw new CommitFailedError(offsets, e);
    }
    pending.then(
      this.getAsyncCallback<void>(() => {
        commit.done = true;
        this.progress();
      }),
      this.getAsyncCallback<unknown>((e) => this.failStage(new CommitFailedError(offsets, e))),
    );
  }
}

/** @internal The committer stage; joins the tracker's registry of the run being materialized, if any. */
export function committerStage<Offset>(committable: Committable<Offset>, config: CommitterConfig<Offset>): Blueprint {
  return logicBlueprint(
    'committer',
    (ctx) => new CommitterLogic(ctx, committable, config, config.tracker?.join('committer')),
    inlet,
    outlet,
  );
}
