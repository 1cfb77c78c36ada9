import type { StageContext } from '../core/blueprint';
import { Deque } from '../core/deque';
import { requirePositiveInt } from '../core/validate';
import { Flow } from '../dsl/flow';
import type { NotUsed } from '../dsl/keep';
import { FlowLogic, flowLogicBlueprint } from '../operators/flow/flow-logic';
import type { Committable } from './committable';
import { UntrackedOffsetError } from './errors';
import { FlowWithContext } from './flow-with-context';
import { TrackedFlowWithContext } from './tracked';

/** Options of `Committer.track`. */
export interface CommitTrackerOptions {
  /**
   * How many acknowledgements may wait on a gap (an earlier offset of their partition not yet acknowledged)
   * before the tracker stops taking elements from the source (default 1000).
   */
  readonly maxDeferred?: number;
}

/** Counters of a tracker's current (or last) run. */
export interface CommitTrackerStats {
  /** Acknowledgements waiting on a gap now. */
  readonly deferred: number;
  /** Highest `deferred` seen. */
  readonly peakDeferred: number;
  /** Offsets that passed the tracker and were not acknowledged yet. */
  readonly outstanding: number;
}

/** One partition's offsets that passed the tracker and are not yet committable, in order. */
class PartitionTrack<Offset> {
  /** Registered offsets not yet part of the contiguous acknowledged prefix, oldest first. */
  readonly queue = new Deque<Offset>();
  /** Per offset value: registrations not yet acknowledged. */
  readonly unacked = new Map<Offset, number>();
  /** Per offset value: acknowledgements that wait for an earlier offset. */
  readonly ackedAhead = new Map<Offset, number>();
}

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Decrements `key`'s count; false if it had none. */
function decrement<K>(map: Map<K, number>, key: K): boolean {
  const n = map.get(key);
  if (!n) return false;
  if (n === 1) map.delete(key);
  else map.set(key, n - 1);
  return true;
}

/**
 * The state one run of a tracked stream shares between its tracker stage (which registers every offset in source
 * order) and its committer (which acknowledges offsets in any order and commits the contiguous prefix).
 */
/** @internal */
export class TrackRegistry<Offset> {
  private readonly partitions = new Map<string, PartitionTrack<Offset>>();
  private readonly joined = new Set<'tracker' | 'committer'>();
  private readonly left = new Set<'tracker' | 'committer'>();
  deferred = 0;
  peakDeferred = 0;
  outstanding = 0;
  /** Set by the tracker stage while it waits for `deferred` to drop below `maxDeferred`. */
  private waiting: (() => void) | undefined;

  constructor(
    private readonly committable: Committable<Offset>,
    readonly maxDeferred: number,
  ) {}

  has(role: 'tracker' | 'committer'): boolean {
    return this.joined.has(role);
  }
  join(role: 'tracker' | 'committer'): void {
    this.joined.add(role);
  }
  leave(role: 'tracker' | 'committer'): void {
    this.left.add(role);
    if (role === 'tracker') this.waiting = undefined;
  }
  /** Every stage that joined has stopped. */
  get finished(): boolean {
    return this.left.size === this.joined.size;
  }

  /** Whether the tracker may take another element now. */
  get admits(): boolean {
    return this.deferred < this.maxDeferred;
  }

  /** Calls `wake` once `admits` holds again. */
  waitUntilAdmitted(wake: () => void): void {
    this.waiting = wake;
  }

  /** The tracker saw `offset` (in source order). */
  register(offset: Offset): void {
    const partition = this.committable.partitionOf(offset);
    let track = this.partitions.get(partition);
    if (!track) this.partitions.set(partition, (track = new PartitionTrack()));
    track.queue.push(offset);
    increment(track.unacked, offset);
    this.outstanding++;
  }

  /**
   * The committer received `offset`: marks it acknowledged and, if it closed the gap at the head of its
   * partition, calls `advanced` with the partition's new committable offset and how many offsets it covers.
   * Throws `UntrackedOffsetError` for an offset that is not outstanding.
   */
  acknowledge(offset: Offset, advanced: (partition: string, offset: Offset, count: number) => void): void {
    const partition = this.committable.partitionOf(offset);
    const track = this.partitions.get(partition);
    if (!track || !decrement(track.unacked, offset)) throw new UntrackedOffsetError(partition, offset);
    this.outstanding--;
    increment(track.ackedAhead, offset);
    this.deferred++;
    let count = 0;
    let last: Offset | undefined;
    while (!track.queue.isEmpty && decrement(track.ackedAhead, track.queue.peek() as Offset)) {
      last = track.queue.shift();
      count++;
    }
    this.deferred -= count;
    if (this.deferred > this.peakDeferred) this.peakDeferred = this.deferred;
    if (track.queue.isEmpty) this.partitions.delete(partition);
    if (count > 0) advanced(partition, last as Offset, count);
    if (this.waiting && this.admits) {
      const wake = this.waiting;
      this.waiting = undefined;
      wake();
    }
  }

  /** Per partition, the offsets that passed the tracker and were never acknowledged (oldest first, up to `max`). */
  unacknowledged(max = 10): Map<string, Offset[]> {
    const out = new Map<string, Offset[]>();
    for (const [partition, track] of this.partitions) {
      const offsets = [...track.unacked.keys()].slice(0, max);
      if (offsets.length > 0) out.set(partition, offsets);
    }
    return out;
  }
}

/**
 * Registers each context in source order, and stops pulling while `maxDeferred` acknowledgements wait on a gap at
 * the committer (the backpressure that bounds the committer's memory without blocking the acknowledgements that
 * would close the gap).
 */
class TrackLogic<T, Offset> extends FlowLogic<[T, Offset], [T, Offset]> {
  constructor(
    ctx: StageContext,
    private readonly registry: TrackRegistry<Offset>,
  ) {
    super(ctx);
  }

  /** Pulls once the committer admits elements again, if downstream still waits. */
  private readonly wake = this.getAsyncCallback<void>(() => {
    if (this.isAvailable(this.out) && !this.isClosed(this.in)) this.onPulled();
  });

  override preStart(): void {
    if (!this.registry.has('committer')) {
      throw new Error('Committer.track: no Committer.sink/flow with this tracker ({ tracker }) is part of this stream');
    }
  }

  override postStop(): void {
    this.registry.leave('tracker');
  }

  protected override onElement(pair: [T, Offset]): void {
    this.registry.register(pair[1]);
    this.push(this.out, pair);
  }

  protected override onPulled(): void {
    if (this.registry.admits) this.pull(this.in);
    else this.registry.waitUntilAdmitted(this.wake);
  }
}

/**
 * Tracks the offsets of a stream whose acknowledgements reach the committer out of order (e.g. from a sink that
 * completes sends in parallel): created by `Committer.track`, placed with `tracker.flow()` where the order is still
 * the source's, and given to `Committer.sink(committable, { tracker })`. One tracker serves one running stream at a
 * time (running the same blueprint again after the previous run ended is fine).
 */
export class CommitTracker<Offset> {
  private current: TrackRegistry<Offset> | undefined;
  /** Acknowledgements that may wait on a gap before the source is backpressured. */
  readonly maxDeferred: number;

  /** @internal */
  constructor(
    readonly committable: Committable<Offset>,
    options: CommitTrackerOptions = {},
  ) {
    this.maxDeferred = requirePositiveInt('Committer.track', 'maxDeferred', options.maxDeferred ?? 1000);
  }

  /**
   * The pass-through flow that registers each context; put it right after the source (before anything that
   * reorders). Only context-preserving operators can follow it (`map`, `mapAsync`, `grouped`).
   * @example source.asSourceWithContext(r => r.offset).via(tracker.flow<Row>().map(toMessage))
   */
  flow<T>(): TrackedFlowWithContext<T, Offset, T, Offset, NotUsed> {
    const blueprint = flowLogicBlueprint('commitTracker', (ctx) => new TrackLogic<T, Offset>(ctx, this.join('tracker')));
    return new TrackedFlowWithContext(FlowWithContext.fromTuples(new Flow<[T, Offset], [T, Offset], NotUsed>(blueprint)));
  }

  /** Counters of the current or last run (zeros before the first). */
  get stats(): CommitTrackerStats {
    const r = this.current;
    return { deferred: r?.deferred ?? 0, peakDeferred: r?.peakDeferred ?? 0, outstanding: r?.outstanding ?? 0 };
  }

  /**
   * @internal The registry of the run being materialized: the tracker stage and the committer of one run join
   * the same registry, whichever is built first.
   */
  join(role: 'tracker' | 'committer'): TrackRegistry<Offset> {
    const current = this.current;
    if (current && !current.finished) {
      if (current.has(role)) {
        const part = role === 'tracker' ? 'tracker.flow()' : 'committer';
        throw new Error(`Committer.track: this tracker is used by a running stream (its ${part} is running); use one tracker per running stream`);
      }
      current.join(role);
      return current;
    }
    const registry = new TrackRegistry(this.committable, this.maxDeferred);
    registry.join(role);
    this.current = registry;
    return registry;
  }
}
