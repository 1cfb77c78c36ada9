/**
 * Exit codes and the built-in error classes a stream job fails with. The Kubernetes operator reads only the exit
 * code: 0 = done, 1 = fatal (counts against the Job's `backoffLimit`), 2 = restart me (the Job's
 * `podFailurePolicy` recreates the pod without counting a failure).
 */

/** The exit codes of a stream job, as the operator reads them. */
export const ExitCode = {
  /** Completed, stopped by SIGTERM in streaming mode, or a reported schema mismatch. */
  success: 0,
  /** Fatal: counts against the Job's `backoffLimit`. */
  fatal: 1,
  /** Restart requested: transient failure, lease lost, SIGTERM during a backfill, aborted drain. */
  restart: 2,
} as const;

/** How the default exception handlers classify an error. */
export type StreamErrorKind = 'schema-mismatch' | 'schema-inconsistent' | 'transient' | 'fatal';

/**
 * The kind brand. A registered symbol (not `instanceof`), so errors thrown by another copy of this package are
 * classified the same way.
 */
const kindKey = Symbol.for('tributary.hosting.streamErrorKind');

interface StreamErrorOptions {
  readonly cause?: unknown;
}

abstract class StreamError extends Error {
  constructor(kind: StreamErrorKind, message: string, options?: StreamErrorOptions) {
    super(message, options);
    Object.defineProperty(this, kindKey, { value: kind });
  }
}

/**
 * The source schema changed. The default handler annotates the Job `arcane/state: schema-mismatch` and exits 0,
 * so the operator starts the stream again in backfill mode.
 */
export class SchemaMismatchError extends StreamError {
  override readonly name = 'SchemaMismatchError';
  constructor(message: string, options?: StreamErrorOptions) {
    super('schema-mismatch', message, options);
  }
}

/** Rows no longer match the schema the sink was built with (exit 2: restart and rebuild). */
export class SchemaInconsistentError extends StreamError {
  override readonly name = 'SchemaInconsistentError';
  constructor(
    message: string,
    options?: StreamErrorOptions & { readonly sourceFields?: readonly string[]; readonly sinkFields?: readonly string[] },
  ) {
    super('schema-inconsistent', message, options);
    this.sourceFields = options?.sourceFields;
    this.sinkFields = options?.sinkFields;
  }
  /** The fields the source delivers, when known. */
  readonly sourceFields: readonly string[] | undefined;
  /** The fields the sink was built with, when known. */
  readonly sinkFields: readonly string[] | undefined;
}

/** A failure that a restart may cure (connection lost, throttled, lease lost): exit 2. */
export class TransientStreamError extends StreamError {
  override readonly name: string = 'TransientStreamError';
  /** Marks the error transient; any error with `transient === true` is classified the same way. */
  readonly transient = true;
  constructor(message: string, options?: StreamErrorOptions) {
    super('transient', message, options);
  }
}

/** A failure a restart will not cure: exit 1. */
export class FatalStreamError extends StreamError {
  override readonly name: string = 'FatalStreamError';
  constructor(message: string, options?: StreamErrorOptions) {
    super('fatal', message, options);
  }
}

/**
 * Invalid or missing configuration (environment, flags, spec, secrets): exit 1. The message is one line naming
 * the variable or field, the value received (secrets redacted) and what was expected; it is logged without a
 * stack trace.
 */
export class ConfigurationError extends FatalStreamError {
  override readonly name = 'ConfigurationError';
}

/** The stream was aborted before its drain finished (second signal or drain timeout): exit 2, run it again. */
export class StreamAbortedError extends TransientStreamError {
  override readonly name = 'StreamAbortedError';
}

/**
 * The kind of one error (not its causes): the brand of the built-in classes, or `transient` for any error with
 * `transient === true` or named `LeaseLostError`.
 */
export function streamErrorKind(error: unknown): StreamErrorKind | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const kind = (error as { [kindKey]?: StreamErrorKind })[kindKey];
  if (kind !== undefined) return kind;
  const { transient, name } = error as { transient?: unknown; name?: unknown };
  return transient === true || name === 'LeaseLostError' ? 'transient' : undefined;
}
