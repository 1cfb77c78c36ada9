/**
 * The runner: materializes the graph the program built, keeps its control (to drain or abort it) and reports how
 * the stream ended; `resolveExitCode` turns that into the process exit code.
 */
import type { DrainingControl, KillSwitch, Materializer, RunnableGraph } from 'tributary';
import type { HostLogger } from './contracts';
import { ConfigurationError, ExitCode, type StreamAbortedError } from './errors';
import { classifyFailure, type ExceptionHandler, type ExceptionHandlerContext } from './exception-handlers';
import type { HostLifetime } from './lifetime';

/**
 * What a graph builder's `RunnableGraph` may materialize:
 * - a `DrainingControl` (`toMat(sink, DrainingControl.create)`): drained gracefully on stop;
 * - a `[KillSwitch, Promise]` pair (`viaMat(KillSwitches.single(), Keep.right).toMat(sink, Keep.both)`): the kill
 *   switch is shut down on stop;
 * - `{ killSwitch, completion }`, the same as an object;
 * - a completion `Promise` alone: the runner inserts nothing, so such a stream cannot be stopped gracefully — on
 *   stop the host waits for it to end by itself until the drain timeout. Place a kill switch or a DrainingControl
 *   after the source for a graceful stop.
 */
export type StreamMaterializedValue =
  | DrainingControl<unknown>
  | readonly [KillSwitch, PromiseLike<unknown>]
  | { readonly killSwitch: KillSwitch; readonly completion: PromiseLike<unknown> }
  | PromiseLike<unknown>;

/** A running stream as the host controls it. */
export interface StreamControl {
  /** Settles when the stream ends. */
  readonly completion: Promise<unknown>;
  /** Graceful stop (stop the source, let in-flight elements drain); absent when the graph has no kill switch. */
  readonly drain?: () => void;
  /** Fails the stream at once; absent when the graph has no kill switch. */
  readonly abort?: (reason: Error) => void;
}

/** How the stream ended. */
export type StreamOutcome = { readonly failed: false } | { readonly failed: true; readonly error: unknown };

/** The runner service. Replaceable with `HostBuilder.useRunner`. */
export interface StreamRunner {
  /** Materializes `graph` and resolves with how it ended (never rejects). */
  run(graph: RunnableGraph<StreamMaterializedValue>): Promise<StreamOutcome>;
  /** Drains the stream gracefully; before `run`, makes `run` drain right after materializing. */
  stop(): void;
  /** Aborts the stream at once. */
  abort(reason: StreamAbortedError): void;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function isKillSwitch(value: unknown): value is KillSwitch {
  const ks = value as Partial<KillSwitch> | null;
  return typeof ks?.shutdown === 'function' && typeof ks.abort === 'function';
}

/** Normalizes what a graph materialized; throws a `ConfigurationError` for anything else. */
export function streamControl(mat: unknown): StreamControl {
  const m = mat as Partial<DrainingControl<unknown>> & { killSwitch?: unknown; completion?: unknown };
  if (typeof m?.drainAndShutdown === 'function' && typeof m.abort === 'function' && isThenable(m.streamCompletion)) {
    const control = mat as DrainingControl<unknown>;
    return {
      completion: Promise.resolve(control.streamCompletion),
      drain: () => void control.drainAndShutdown().then(undefined, () => undefined),
      abort: (reason) => void control.abort(reason),
    };
  }
  const [killSwitch, completion] = Array.isArray(mat) && mat.length === 2 ? mat : [m?.killSwitch, m?.completion];
  if (isKillSwitch(killSwitch) && isThenable(completion)) {
    return { completion: Promise.resolve(completion), drain: () => killSwitch.shutdown(), abort: (reason) => killSwitch.abort(reason) };
  }
  if (isThenable(mat)) return { completion: Promise.resolve(mat) };
  throw new ConfigurationError(
    'the stream graph must materialize a DrainingControl, a [KillSwitch, Promise] pair or a completion Promise; ' +
      `got ${mat === null ? 'null' : typeof mat} (use .toMat(sink, DrainingControl.create) or Keep.both)`,
  );
}

/** Options of the default runner. */
export interface StreamRunnerOptions {
  readonly materializer: Materializer;
  readonly logger: HostLogger;
}

class DefaultStreamRunner implements StreamRunner {
  private control: StreamControl | undefined;
  private stopRequested = false;

  constructor(private readonly options: StreamRunnerOptions) {}

  async run(graph: RunnableGraph<StreamMaterializedValue>): Promise<StreamOutcome> {
    try {
      this.control = streamControl(graph.run(this.options.materializer));
      if (this.stopRequested) this.stop();
      await this.control.completion;
      return { failed: false };
    } catch (error) {
      return { failed: true, error };
    }
  }

  stop(): void {
    this.stopRequested = true;
    const control = this.control;
    if (!control) return;
    if (control.drain) control.drain();
    else this.options.logger.warn('the stream graph has no kill switch or DrainingControl: waiting for it to end by itself');
  }

  abort(reason: StreamAbortedError): void {
    this.control?.abort?.(reason);
  }
}

/** The default runner: runs the graph on `materializer`. */
export function createStreamRunner(options: StreamRunnerOptions): StreamRunner {
  return new DefaultStreamRunner(options);
}

/** Everything `resolveExitCode` weighs. */
export interface ExitCodeInputs {
  readonly outcome: StreamOutcome;
  readonly lifetime: HostLifetime;
  /** `undefined` when start-up failed before the context was read. */
  readonly isBackfilling: boolean | undefined;
  readonly handlers: readonly ExceptionHandler[];
  readonly handlerContext: Omit<ExceptionHandlerContext, 'failure'>;
}

/**
 * The exit code of a run (contract §2.2): aborted → 2; failed → the exception chain (nothing matched → 1);
 * completed after a stop during a backfill → 2 (the backfill must run again); otherwise 0. Logs the reason.
 */
export async function resolveExitCode(inputs: ExitCodeInputs): Promise<number> {
  const { outcome, lifetime, handlerContext } = inputs;
  const { logger } = handlerContext;
  if (lifetime.isAborted) {
    logger.warn('the stream was aborted before its drain finished; exit 2 so the run is repeated');
    return ExitCode.restart;
  }
  if (outcome.failed) {
    const verdict = await classifyFailure(inputs.handlers, { ...handlerContext, failure: outcome.error });
    if (!verdict) {
      logger.error('the stream failed with an unhandled error; exit 1', outcome.error);
      return ExitCode.fatal;
    }
    // A configuration error is one line that says everything; a stack trace would only bury it.
    if (verdict.matched instanceof ConfigurationError) logger.error(verdict.matched.message);
    else logger.error(verdict.message ?? `the stream failed; exit ${verdict.exitCode}`, outcome.error);
    return verdict.exitCode;
  }
  if (lifetime.isStopRequested && inputs.isBackfilling) {
    logger.warn('stopped during a backfill; exit 2 so the backfill runs again');
    return ExitCode.restart;
  }
  logger.info(lifetime.isStopRequested ? 'the stream stopped gracefully' : 'the stream completed');
  return ExitCode.success;
}
