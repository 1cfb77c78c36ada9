import { killSwitchStage, SwitchState } from '../operators/flow/kill-switch';
import { Flow } from './flow';

/** Stops a running stream from outside. The first call wins; later calls do nothing. */
export interface KillSwitch {
  /** Completes downstream and cancels upstream (graceful). */
  shutdown(): void;
  /** Fails downstream with `error` (a `StageFailure` of the kill-switch stage, `cause` = `error`) and cancels upstream. */
  abort(error: unknown): void;
}

/** The kill switch of one materialized stream (`KillSwitches.single()`). */
export type UniqueKillSwitch = KillSwitch;

/** A kill switch created before materialization and shared by every stream its `flow()` is placed in. */
export interface SharedKillSwitch extends KillSwitch {
  readonly name: string;
  /**
   * A flow that is stopped by this switch; may be used in any number of streams. A stream materialized after the
   * switch fired stops as soon as it starts.
   */
  flow<T>(): Flow<T, T, SharedKillSwitch>;
}

class Switch implements KillSwitch {
  constructor(protected readonly state: SwitchState) {}
  shutdown(): void {
    this.state.fire({ aborted: false });
  }
  abort(error: unknown): void {
    this.state.fire({ aborted: true, error });
  }
}

class SharedSwitch extends Switch implements SharedKillSwitch {
  constructor(readonly name: string) {
    super(new SwitchState());
  }
  flow<T>(): Flow<T, T, SharedKillSwitch> {
    const stage = killSwitchStage(`killSwitch(${this.name})`, () => ({ state: this.state, mat: this as SharedKillSwitch }));
    return new Flow<T, T, SharedKillSwitch>(stage);
  }
}

/**
 * Kill switches stop streams from outside: `shutdown()` completes downstream and cancels upstream, `abort(error)`
 * fails downstream and cancels upstream. They can be called from anywhere (timers, signal handlers, promise
 * callbacks); the stream reacts in its own turn. The first call wins.
 *
 * - Emits when: upstream emits (a pass-through). Backpressures when: downstream backpressures.
 * - Completes when: upstream completes, or `shutdown()` is called. Fails when: upstream fails, or `abort(error)`.
 *
 * @example
 * const [killSwitch, done] = changes.viaMat(KillSwitches.single(), Keep.right).toMat(Sink.forEach(publish), Keep.both).run();
 * process.once('SIGTERM', () => killSwitch.shutdown());
 *
 * const stopAll = KillSwitches.shared('tenant-42');
 * orders.via(stopAll.flow()).runWith(sink1); invoices.via(stopAll.flow()).runWith(sink2);
 * stopAll.abort(new Error('tenant removed')); // fails both streams
 */
export const KillSwitches = {
  /** A flow materializing a `UniqueKillSwitch` that controls this one stream. */
  single<T>(): Flow<T, T, UniqueKillSwitch> {
    return new Flow<T, T, UniqueKillSwitch>(
      killSwitchStage('killSwitch', () => {
        const state = new SwitchState();
        return { state, mat: new Switch(state) };
      }),
    );
  },

  /** A switch created now whose `flow()` can be placed in any number of streams; firing it stops all of them. */
  shared(name: string): SharedKillSwitch {
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`KillSwitches.shared: name must be a non-empty string, got ${JSON.stringify(name) ?? String(name)}`);
    }
    return new SharedSwitch(name);
  },
};
