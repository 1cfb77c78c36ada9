/**
 * The host lifetime: turns SIGTERM/SIGINT into "stop requested" (a graceful drain), and a second signal or an
 * expired drain timeout into "abort". Stages read it as an `InterruptionToken` (e.g. a sink must not write a
 * "completed" marker when the run was interrupted).
 */
import type { HostLogger, InterruptionToken } from './contracts';
import { StreamAbortedError } from './errors';

/** The lifetime service the host and the stream share. Replaceable with `HostBuilder.useLifetime`. */
export interface HostLifetime extends InterruptionToken {
  /** A stop was requested (signal or `requestStop`): the stream is draining or has drained. */
  readonly isStopRequested: boolean;
  /** The drain was cut short (second signal or drain timeout). */
  readonly isAborted: boolean;
  /** Calls `listener` once when a stop is requested (at once if it already was). */
  onStopRequested(listener: (reason: string) => void): void;
  /** Calls `listener` once when the run is aborted (at once if it already was). */
  onAbort(listener: (reason: StreamAbortedError) => void): void;
  /** Requests a graceful stop; starts the drain timeout. Later calls do nothing. */
  requestStop(reason: string): void;
  /** Aborts at once. Later calls do nothing. */
  abort(reason: string): void;
  /** Starts listening (e.g. installs signal handlers). */
  start(): void;
  /** Stops listening and clears timers. */
  dispose(): void;
}

/** Options of the default, signal-driven lifetime. */
export interface SignalLifetimeOptions {
  readonly logger: HostLogger;
  /** How long a graceful drain may take before the run is aborted; default 25 000 ms (under Kubernetes' 30 s grace). */
  readonly drainTimeoutMs?: number;
  /** The signals that request a stop; default `['SIGTERM', 'SIGINT']`. */
  readonly signals?: readonly NodeJS.Signals[];
}

/** The default drain timeout: under the 30 s Kubernetes grants between SIGTERM and SIGKILL. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 25_000;

class SignalLifetime implements HostLifetime {
  private stopReason: string | undefined;
  private abortReason: StreamAbortedError | undefined;
  private readonly stopListeners: ((reason: string) => void)[] = [];
  private readonly abortListeners: ((reason: StreamAbortedError) => void)[] = [];
  private readonly handlers = new Map<NodeJS.Signals, () => void>();
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: HostLogger,
    private readonly drainTimeoutMs: number,
    private readonly signals: readonly NodeJS.Signals[],
  ) {}

  get isStopRequested(): boolean {
    return this.stopReason !== undefined;
  }
  get isInterrupted(): boolean {
    return this.isStopRequested;
  }
  get isAborted(): boolean {
    return this.abortReason !== undefined;
  }

  onStopRequested(listener: (reason: string) => void): void {
    if (this.stopReason !== undefined) listener(this.stopReason);
    else this.stopListeners.push(listener);
  }

  onAbort(listener: (reason: StreamAbortedError) => void): void {
    if (this.abortReason) listener(this.abortReason);
    else this.abortListeners.push(listener);
  }

  requestStop(reason: string): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.logger.info(`${reason}: stopping the stream gracefully (drain timeout ${this.drainTimeoutMs} ms)`);
    this.drainTimer = setTimeout(() => this.abort(`the drain did not finish within ${this.drainTimeoutMs} ms`), this.drainTimeoutMs);
    this.drainTimer.unref();
    for (const listener of this.stopListeners.splice(0)) listener(reason);
  }

  abort(reason: string): void {
    if (this.abortReason) return;
    this.stopReason ??= reason;
    this.abortReason = new StreamAbortedError(`stream aborted: ${reason}`);
    this.logger.warn(`${reason}: aborting the stream`);
    for (const listener of this.abortListeners.splice(0)) listener(this.abortReason);
  }

  start(): void {
    for (const signal of this.signals) {
      const handler = (): void => {
        if (this.isStopRequested) this.abort(`received ${signal} again`);
        else this.requestStop(`received ${signal}`);
      };
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  dispose(): void {
    clearTimeout(this.drainTimer);
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.clear();
  }
}

/**
 * The default lifetime: the first SIGTERM/SIGINT requests a graceful stop, a second one (or the drain timeout)
 * aborts. While it is started, the signals no longer terminate the process by themselves.
 */
export function createSignalLifetime(options: SignalLifetimeOptions): HostLifetime {
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (!Number.isFinite(drainTimeoutMs) || drainTimeoutMs <= 0) {
    throw new RangeError(`lifetime: drainTimeoutMs must be a positive number of ms, got ${String(drainTimeoutMs)}`);
  }
  return new SignalLifetime(options.logger, drainTimeoutMs, options.signals ?? ['SIGTERM', 'SIGINT']);
}
