import type { KillSwitch } from '../dsl/kill-switches';

/**
 * Graceful shutdown of a stream whose elements carry offsets (Alpakka's `DrainingControl`): stop taking new
 * elements at the source, let everything already emitted reach the sink and the committer, then complete.
 *
 * Place the kill switch right after the source (before a `Committer.track` flow) and take the completion of the
 * committer: `drainAndShutdown()` then resolves once every element already read was processed and its offset
 * committed.
 *
 * @example
 * const control = source
 *   .viaMat(KillSwitches.single(), Keep.right)
 *   .asSourceWithContext(change => change.offset)
 *   .mapAsync(8, publish)
 *   .toMat(Committer.sinkWithContext(committable), DrainingControl.create)
 *   .run();
 * process.once('SIGTERM', () => control.drainAndShutdown());
 */
export interface DrainingControl<T = void> {
  /** Stops the source; resolves when the stream has completed with everything in flight processed. */
  drainAndShutdown(): Promise<T>;
  /** Fails the stream at once (nothing further is committed); resolves when it has stopped. */
  abort(error: unknown): Promise<void>;
  /** Resolves when the stream completes (by itself or after draining); rejects when it fails. */
  readonly streamCompletion: Promise<T>;
  /** Whether `drainAndShutdown` or `abort` was called. */
  readonly isStopRequested: boolean;
}

class KillSwitchDrainingControl<T> implements DrainingControl<T> {
  private stopRequested = false;
  constructor(
    private readonly killSwitch: KillSwitch,
    readonly streamCompletion: Promise<T>,
  ) {}
  get isStopRequested(): boolean {
    return this.stopRequested;
  }
  drainAndShutdown(): Promise<T> {
    this.stopRequested = true;
    this.killSwitch.shutdown();
    return this.streamCompletion;
  }
  async abort(error: unknown): Promise<void> {
    this.stopRequested = true;
    this.killSwitch.abort(error);
    await this.streamCompletion.catch(() => undefined);
  }
}

/** Builds draining controls. */
export const DrainingControl = {
  /**
   * Combines a kill switch placed right after the source with the completion of the sink (usable as the
   * `combine` function of `toMat`).
   * @example source.viaMat(KillSwitches.single(), Keep.right).toMat(Sink.ignore(), DrainingControl.create)
   */
  create<T>(killSwitch: KillSwitch, streamCompletion: Promise<T>): DrainingControl<T> {
    return new KillSwitchDrainingControl(killSwitch, streamCompletion);
  },
};
