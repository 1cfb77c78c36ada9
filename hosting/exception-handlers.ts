/**
 * The exception → exit-code chain. The host tries each handler in order (the program's handlers first, then
 * `defaultExceptionHandlers`) on each error of the failure's cause chain (the failure itself, its `cause`s,
 * including `StageFailure.cause`, and every error of an `AggregateError`, depth first); the first verdict wins.
 * Nothing matched: exit 1.
 */
import type { HostLogger, StreamStatusReporter } from './contracts';
import { ExitCode, streamErrorKind } from './errors';

/** What a handler decided: the exit code, and optionally a message the host logs instead of the default one. */
export interface ExceptionVerdict {
  readonly exitCode: number;
  readonly message?: string;
}

/** What handlers can use besides the error. */
export interface ExceptionHandlerContext {
  /** The error the stream (or start-up) failed with; handlers are called with each error of its cause chain. */
  readonly failure: unknown;
  /** The stream id, or `undefined` when start-up failed before the stream context was read. */
  readonly streamId: string | undefined;
  readonly logger: HostLogger;
  /** The status reporter (created on first use). */
  statusReporter(): StreamStatusReporter;
}

/**
 * Maps an error to an exit code, or returns `undefined` to let the next handler decide. May be async (e.g. to
 * report something first).
 * @example host.addExceptionHandler(err => err instanceof PoolTimeoutError ? { exitCode: ExitCode.restart } : undefined)
 */
export type ExceptionHandler = (
  error: unknown,
  context: ExceptionHandlerContext,
) => ExceptionVerdict | undefined | void | Promise<ExceptionVerdict | undefined | void>;

/**
 * The errors of a failure, depth first: the error, then each error of an `AggregateError` (with its own causes),
 * then its `cause`. Each error once, even when causes form a cycle.
 */
export function* causeChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0) {
    const e = stack.pop();
    if (e === undefined || e === null || seen.has(e)) continue;
    seen.add(e);
    yield e;
    if (typeof e !== 'object') continue;
    const { cause, errors } = e as { cause?: unknown; errors?: unknown };
    stack.push(cause);
    if (e instanceof AggregateError && Array.isArray(errors)) for (let i = errors.length - 1; i >= 0; i--) stack.push(errors[i]);
  }
}

/** Schema mismatch: annotate the Job for the operator, then exit 0 (it restarts the stream in backfill mode). */
export const schemaMismatchHandler: ExceptionHandler = async (error, context) => {
  if (streamErrorKind(error) !== 'schema-mismatch') return undefined;
  if (context.streamId === undefined) return { exitCode: ExitCode.fatal, message: 'schema mismatch before the stream context was read' };
  try {
    await context.statusReporter().reportSchemaMismatch(context.streamId);
  } catch (e) {
    // Exiting 0 without the annotation would restart the stream in streaming mode and hit the mismatch again.
    context.logger.error('schema mismatch could not be reported to the operator; exiting as fatal', e);
    return { exitCode: ExitCode.fatal };
  }
  return { exitCode: ExitCode.success, message: 'schema mismatch reported; exit 0 so the operator restarts the stream in backfill mode' };
};

/** The built-in error classes (and any `transient === true` error) by kind. */
export const errorKindHandler: ExceptionHandler = (error) => {
  switch (streamErrorKind(error)) {
    case 'schema-inconsistent':
    case 'transient':
      return { exitCode: ExitCode.restart };
    case 'fatal':
      return { exitCode: ExitCode.fatal };
    default:
      return undefined;
  }
};

/** The handlers every host ends its chain with. */
export const defaultExceptionHandlers: readonly ExceptionHandler[] = [schemaMismatchHandler, errorKindHandler];

/** The verdict of the chain, with the error that matched; `undefined` when no handler matched. */
export interface ClassifiedFailure extends ExceptionVerdict {
  readonly matched: unknown;
}

/**
 * Runs `handlers` over the failure's cause chain: for each handler in order, each error of the chain; the first
 * verdict wins. A handler that throws is logged and skipped.
 */
export async function classifyFailure(
  handlers: readonly ExceptionHandler[],
  context: ExceptionHandlerContext,
): Promise<ClassifiedFailure | undefined> {
  const chain = [...causeChain(context.failure)];
  for (const handler of handlers) {
    for (const error of chain) {
      let verdict: ExceptionVerdict | undefined | void;
      try {
        verdict = await handler(error, context);
      } catch (e) {
        context.logger.error('an exception handler threw; trying the next one', e);
        break;
      }
      if (!verdict) continue;
      if (Number.isInteger(verdict.exitCode) && verdict.exitCode >= 0 && verdict.exitCode <= 255) return { ...verdict, matched: error };
      context.logger.error(`an exception handler returned exit code ${String(verdict.exitCode)}; expected an integer 0..255`);
      break;
    }
  }
  return undefined;
}
