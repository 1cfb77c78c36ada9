import { atom } from '../core/blueprint';
import type { Materializer } from '../core/materializer';
import type { DrainingControl } from '../context/draining-control';
import { RunnableGraph } from '../dsl/runnable-graph';
import { withLease, type Lease, type LeasedGraph } from './lease';

/**
 * `withLease` as a `RunnableGraph`, for code that runs the graph itself — above all `createHost()`, whose runner
 * materializes the graph the program returns (with the host's materializer, so metrics and health see its stages).
 *
 * Running it returns a `DrainingControl` at once. Behind it the replica stands by until it owns `lease`, then runs
 * `graph` (a function is called only then, e.g. to read the checkpoint as the owner) on the same materializer,
 * exactly as `withLease` does: aborted with the `LeaseLostError` if the lease is lost, the lease released once the
 * stream has stopped. The control works from the start:
 *
 * - `drainAndShutdown()` while standing by stops waiting: nothing ran, and `streamCompletion` resolves with
 *   `undefined` (a SIGTERM to a standby is a clean stop). Once running, it drains the stream as usual.
 * - `abort(error)` while standing by stops waiting and rejects `streamCompletion` with `error`.
 *
 * @example
 * const lease = store.lease('orders', { durationSeconds: 60 });
 * createHost({ name: 'orders-cdc' })
 *   .addStreamGraphBuilder(() =>
 *     leasedGraph(lease, async () => {
 *       const committer = CheckpointCommitter.perPartition(store, 'orders', { partitionOf: (o: Offset) => o.table });
 *       return changesAfter(await committer.load())
 *         .viaMat(KillSwitches.single(), Keep.right)
 *         .asSourceWithContext((c) => c.offset)
 *         .via(publish)
 *         .toMat(Committer.sinkWithContext(committer), DrainingControl.create);
 *     }),
 *   )
 *   .build()
 *   .runAndExit(); // a second replica waits as a standby until this one stops (or its lease expires)
 */
export function leasedGraph<T>(lease: Lease, graph: LeasedGraph<T>): RunnableGraph<DrainingControl<T | undefined>> {
  return new RunnableGraph(atom('leasedGraph', (ctx) => ({ mat: new StandbyControl(lease, graph, ctx.materializer) })));
}

type StopRequest = { readonly kind: 'drain' } | { readonly kind: 'abort'; readonly error: unknown };

/** The control of a leased graph: stops the wait for the lease, or the stream once it runs. */
class StandbyControl<T> implements DrainingControl<T | undefined> {
  readonly streamCompletion: Promise<T | undefined>;
  private readonly waiting = new AbortController();
  private running: DrainingControl<T> | undefined;
  private stop: StopRequest | undefined;

  constructor(lease: Lease, graph: LeasedGraph<T>, materializer: Materializer) {
    this.streamCompletion = withLease(lease, graph, { materializer, signal: this.waiting.signal }).then(
      (control) => {
        this.running = control;
        // A stop requested after the lease was acquired but before the graph ran: apply it now.
        if (this.stop?.kind === 'drain') void control.drainAndShutdown().catch(() => undefined);
        else if (this.stop?.kind === 'abort') void control.abort(this.stop.error);
        return control.streamCompletion;
      },
      (error: unknown) => {
        // Drained while standing by: the wait was given up on purpose, nothing ran.
        if (this.stop?.kind === 'drain' && this.waiting.signal.aborted && error === this.waiting.signal.reason) return undefined;
        throw error;
      },
    );
    this.streamCompletion.catch(() => undefined);
  }

  get isStopRequested(): boolean {
    return this.stop !== undefined;
  }

  drainAndShutdown(): Promise<T | undefined> {
    if (this.stop === undefined) {
      this.stop = { kind: 'drain' };
      if (this.running) void this.running.drainAndShutdown().catch(() => undefined);
      else this.waiting.abort(new Error('stopped while waiting for the lease'));
    }
    return this.streamCompletion;
  }

  async abort(error: unknown): Promise<void> {
    if (this.stop?.kind !== 'abort') {
      this.stop = { kind: 'abort', error };
      if (this.running) void this.running.abort(error);
      else this.waiting.abort(error);
    }
    await this.streamCompletion.catch(() => undefined);
  }
}
