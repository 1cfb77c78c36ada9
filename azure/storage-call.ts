import { requireDuration, requirePositiveInt } from '../src/core/validate';
import { sleep, type Timing } from './scheduling';

/** How transient storage failures (5xx, 408, 429, network errors, time-outs) are retried. */
export interface BlobRetryOptions {
  /** Attempts per operation, the first included (default 4). */
  readonly maxAttempts?: number;
  /** Delay before the first retry (default 250 ms); doubled per retry up to `maxDelayMs`, minus up to 50% jitter. */
  readonly baseDelayMs?: number;
  /** Longest delay between attempts (default 4000 ms). */
  readonly maxDelayMs?: number;
  /** Time limit of one attempt (default 10 000 ms); a request that takes longer is aborted and retried. */
  readonly attemptTimeoutMs?: number;
}

/**
 * A storage call failed for good: access denied (fails at once, with what to check), storage unreachable after
 * every retry (`transient = true`: the host restarts the job), or an unexpected response. Names the container
 * and blob.
 */
export class BlobStorageError extends Error {
  override readonly name = 'BlobStorageError';
  constructor(
    message: string,
    readonly container: string,
    readonly blob: string,
    /** HTTP status, when the service answered. */
    readonly statusCode: number | undefined,
    /** The service's error code (`AuthorizationFailure`, `ServerBusy`…) or the network error code. */
    readonly code: string | undefined,
    /** Whether retrying later may succeed (storage unavailable), as opposed to a configuration or access problem. */
    readonly transient: boolean,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

/** What a call is about, for error messages. */
export interface CallTarget {
  readonly action: string;
  readonly container: string;
  readonly blob: string;
}

/** Options of one call. */
export interface CallOptions {
  /** Errors the caller handles itself (conflicts, missing blobs): rethrown as they are, never retried. */
  readonly expected?: (error: unknown) => boolean;
  /** Cancels the call (and its retries); it then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Overrides `maxAttempts` for this call. */
  readonly maxAttempts?: number;
}

/**
 * The HTTP status and service error code of a raw storage error (`RestError`), when present. A
 * `BlobStorageError` is a final failure, not an answer to interpret: it has neither.
 */
export function storageErrorCode(error: unknown): { readonly status: number | undefined; readonly code: string | undefined } {
  if (error instanceof BlobStorageError) return { status: undefined, code: undefined };
  const e = error as { statusCode?: unknown; code?: unknown; details?: { errorCode?: unknown } } | undefined;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e?.details?.errorCode === 'string' ? e.details.errorCode : typeof e?.code === 'string' ? e.code : undefined;
  return { status, code };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'REQUEST_SEND_ERROR']);
const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError']);

/** Whether retrying may help: 408, 429, 5xx, or a network failure without a response. */
export function isTransientStorageError(error: unknown): boolean {
  const { status, code } = storageErrorCode(error);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  return code !== undefined && NETWORK_CODES.has(code);
}

function isAccessError(error: unknown): boolean {
  const { status } = storageErrorCode(error);
  return status === 401 || status === 403 || CREDENTIAL_ERRORS.has((error as Error | undefined)?.name ?? '');
}

class AttemptTimeout extends Error {
  override readonly name = 'AttemptTimeout';
  readonly code = 'ETIMEDOUT';
}

/** Runs storage requests with time limits and retries of transient failures, and turns failures into clear errors. */
export class StorageCaller {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly attemptTimeoutMs: number;

  constructor(
    op: string,
    options: BlobRetryOptions = {},
    private readonly timing: Timing,
  ) {
    this.maxAttempts = requirePositiveInt(op, 'retry.maxAttempts', options.maxAttempts ?? 4);
    this.baseDelayMs = requireDuration(op, 'retry.baseDelayMs', options.baseDelayMs ?? 250);
    this.maxDelayMs = requireDuration(op, 'retry.maxDelayMs', options.maxDelayMs ?? 4000);
    this.attemptTimeoutMs = requireDuration(op, 'retry.attemptTimeoutMs', options.attemptTimeoutMs ?? 10_000);
  }

  /**
   * Calls `request` (given an abort signal and the attempt number, from 1) until it succeeds, fails with an
   * expected or non-transient error, or runs out of attempts. Unexpected failures become `BlobStorageError`.
   */
  async call<T>(target: CallTarget, request: (signal: AbortSignal, attempt: number) => Promise<T>, options: CallOptions = {}): Promise<T> {
    const attempts = options.maxAttempts ?? this.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(request, attempt, options.signal);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (options.expected?.(error)) throw error;
        if (!isTransientStorageError(error) || attempt >= attempts) throw describeFailure(target, error, attempt);
        const backoff = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
        await sleep(this.timing.scheduler, backoff * (1 - this.timing.random() / 2), options.signal);
      }
    }
  }

  /** One request, aborted after `attemptTimeoutMs` or when `outer` aborts. */
  private async attempt<T>(request: (signal: AbortSignal, attempt: number) => Promise<T>, n: number, outer?: AbortSignal): Promise<T> {
    if (outer?.aborted) throw outer.reason;
    const controller = new AbortController();
    const abort = (): void => controller.abort(outer?.reason);
    outer?.addEventListener('abort', abort, { once: true });
    let timedOut = false;
    const timer = this.timing.scheduler.schedule(() => {
      timedOut = true;
      controller.abort(new AttemptTimeout());
    }, this.attemptTimeoutMs);
    try {
      return await request(controller.signal, n);
    } catch (error) {
      throw timedOut ? new AttemptTimeout(`no response within ${this.attemptTimeoutMs} ms`, { cause: error }) : error;
    } finally {
      timer.unsubscribe();
      outer?.removeEventListener('abort', abort);
    }
  }
}

/** A `BlobStorageError` for an unexpected failure of `target`, saying what to check. */
export function describeFailure(target: CallTarget, error: unknown, attempts = 1): BlobStorageError {
  const { status, code } = storageErrorCode(error);
  const what = `${target.action} of blob '${target.blob}' in container '${target.container}'`;
  const reason = errorSummary(error);
  if (isAccessError(error)) {
    return new BlobStorageError(
      `${what} was refused (${reason}): check the credential (account key or SAS permissions in the connection ` +
        `string, or the identity's 'Storage Blob Data Contributor' role on container '${target.container}')`,
      target.container, target.blob, status, code, false, error,
    );
  }
  if (isTransientStorageError(error)) {
    return new BlobStorageError(
      `${what} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}, storage unavailable (${reason})`,
      target.container, target.blob, status, code, true, error,
    );
  }
  if (code === 'ContainerNotFound') {
    return new BlobStorageError(
      `${what} failed: container '${target.container}' does not exist (create it, or set createContainer)`,
      target.container, target.blob, status, code, false, error,
    );
  }
  return new BlobStorageError(`${what} failed (${reason})`, target.container, target.blob, status, code, false, error);
}

/** `403 AuthorizationFailure: <first line of the message>`, as much of it as the error has. */
export function errorSummary(error: unknown): string {
  const { status, code } = storageErrorCode(error);
  const detail = [status, code].filter((x) => x !== undefined).join(' ');
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return detail === '' ? message : `${detail}: ${message}`;
}
