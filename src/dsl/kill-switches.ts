import type { Flow } from './flow';

/** Stops a running stream from outside. The first call wins; later calls do nothing. */
export interface KillSwitch {
  /** Completes downstream and cancels upstream (graceful). */
  shutdown(): void;
  /** Fails downstream with `error` and cancels upstream. */
  abort(error: unknown): void;
}

/** The kill switch of one materialized stream (`KillSwitches.single()`). */
export type UniqueKillSwitch = KillSwitch;

/** A kill switch created before materialization and shared by every stream its `flow()` is placed in. */
export interface SharedKillSwitch extends KillSwitch {
  readonly name: string;
  /** A flow that is stopped by this switch; may be used in any number of streams. */
  flow<T>(): Flow<T, T, SharedKillSwitch>;
}

export declare const KillSwitches: {
  single<T>(): Flow<T, T, UniqueKillSwitch>;
  shared(name: string): SharedKillSwitch;
};
