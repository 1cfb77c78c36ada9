import type { DrainingControl } from '../context/draining-control';
import type { Materializer, MaterializerSettings } from '../core/materializer';
import type { RunnableGraph } from '../dsl/runnable-graph';
import type { LeaseLostError } from './errors';

/**
 * Single-owner lease: at most one holder at a time across all processes sharing it. Implementations renew it
 * while held and report its loss; `BlobLease` (in `tributary/azure`) is the production one.
 */
export interface Lease {
  /** What is leased, for messages and logs (e.g. `blob 'checkpoints/orders.json' in container 'state'`). */
  readonly description: string;
  /** Whether this instance owns the lease now (and its last renewal is recent enough to be sure of it). */
  readonly isHeld: boolean;
  /**
   * Resolves once this instance owns the lease; while another owner holds it, keeps retrying (a standby). Never
   * takes a live lease away from its owner. Rejects with the signal's reason when `signal` aborts.
   */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Stops renewing and gives the lease up, so a standby can take over at once. Does nothing if not held. */
  release(): Promise<void>;
  /**
   * Calls `listener` when ownership is lost without `release()` (renewal refused, not renewed in time, or a write
   * under the lease rejected). Returns a function that removes the listener.
   */
  onLost(listener: (error: LeaseLostError) => void): () => void;
}

/** Options of `withLease`. */
export interface WithLeaseOptions {
  /** Materializer (or settings) the graph runs with. */
  readonly materializer?: Materializer | MaterializerSettings;
  /** Aborts waiting for the lease (e.g. a standby receiving SIGTERM): `withLease` rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** A graph whose materialized value is its `DrainingControl`, or a function building one once the lease is held. */
export type LeasedGraph<T> =
  | RunnableGraph<DrainingControl<T>>
  | (() => RunnableGraph<DrainingControl<T>> | Promise<RunnableGraph<DrainingControl<T>>>);

/**
 * Runs a graph only while owning `lease`: waits until the lease is acquired, then materializes the graph (pass a
 * function to build it after acquiring, e.g. to read the checkpoint as the new owner). If the lease is lost, the
 * stream is aborted through its `DrainingControl` and its completion rejects with the `LeaseLostError`
 * (transient). The lease is released once the stream has stopped: after `drainAndShutdown()` has let every
 * in-flight element reach the committer, after completion, or after a failure.
 *
 * A failed release does not fail the run (the checkpoint is already written); the lease then expires by itself.
 *
 * @example
 * const store = new BlobCheckpointStore<Offsets>({ container });
 * const control = await withLease(store.lease('orders'), async () => {
 *   const committer = CheckpointCommitter.perPartition(store, 'orders', { partitionOf: (o: Offset) => o.partition });
 *   const start = await committer.load();
 *   return changesAfter(start)
 *     .viaMat(KillSwitches.single(), Keep.right)
 *     .via(publish)
 *     .toMat(Committer.sink(committer, { maxBatch: 100, maxIntervalMs: 1000 }), DrainingControl.create);
 * });
 * process.once('SIGTERM', () => void control.drainAndShutdown());
 * await control.streamCompletion; // rejects with LeaseLostError if another replica took over
 */
export async function withLease<T>(lease: Lease, graph: LeasedGraph<T>, options: WithLeaseOptions = {}): Promise<DrainingControl<T>> {
  let lost: LeaseLostError | undefined;
  let inner: DrainingControl<T> | undefined;
  const unsubscribe = lease.onLost((error) => {
    lost ??= error;
    void inner?.abort(error);
  });
  const release = async (): Promise<void> => {
    unsubscribe();
    await lease.release().catch(() => undefined);
  };
  try {
    await lease.acquire(options.signal);
    const blueprint = typeof graph === 'function' ? await graph() : graph;
    if (lost !== undefined) throw lost;
    inner = blueprint.run(options.materializer);
  } catch (e) {
    await release();
    throw e;
  }
  return new LeasedControl(inner, release, () => lost);
}

class LeasedControl<T> implements DrainingControl<T> {
  readonly streamCompletion: Promise<T>;

  constructor(
    private readonly inner: DrainingControl<T>,
    release: () => Promise<void>,
    lost: () => LeaseLostError | undefined,
  ) {
    this.streamCompletion = inner.streamCompletion.then(
      async (value) => {
        await release();
        return value;
      },
      async (error: unknown) => {
        await release();
        throw lost() ?? error;
      },
    );
    this.streamCompletion.catch(() => undefined);
  }

  get isStopRequested(): boolean {
    return this.inner.isStopRequested;
  }

  drainAndShutdown(): Promise<T> {
    this.inner.drainAndShutdown().catch(() => undefined);
    return this.streamCompletion;
  }

  async abort(error: unknown): Promise<void> {
    await this.inner.abort(error);
    await this.streamCompletion.catch(() => undefined);
  }
}
