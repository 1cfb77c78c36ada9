import { FatalStreamError, TransientStreamError } from '../../hosting/errors';
import { formatLsn, type Lsn } from './lsn';

/**
 * CDC is not enabled on the database or on a configured table. Fatal (exit 1); the message names the command a
 * DBA runs to enable it.
 */
export class CdcNotEnabledError extends FatalStreamError {
  override readonly name = 'CdcNotEnabledError';
  constructor(
    message: string,
    /** The T-SQL that enables CDC where it is missing. */
    readonly remedy: string,
  ) {
    super(`${message}. To enable it, run: ${remedy}`);
  }
}

/**
 * Changes the checkpoint still needs are gone: CDC cleanup (retention) removed them while the source was down or
 * behind. Nothing was skipped: the source refuses to go on (exit 1) unless `onDataLoss: 'resnapshot'` is set.
 */
export class CdcDataLossError extends FatalStreamError {
  override readonly name = 'CdcDataLossError';
  constructor(
    readonly database: string,
    readonly captureInstance: string,
    /** The first LSN the checkpoint needs. */
    readonly neededLsn: Lsn,
    /** The lowest LSN the capture instance still has (`sys.fn_cdc_get_min_lsn`). */
    readonly minLsn: Lsn,
  ) {
    super(
      `CDC data loss in database '${database}', capture instance '${captureInstance}': the checkpoint needs changes from ` +
        `LSN ${formatLsn(neededLsn)} but cleanup has removed everything below ${formatLsn(minLsn)} ` +
        `(the source was stopped or behind for longer than the retention). Re-snapshot the tables ` +
        `(onDataLoss: 'resnapshot', or a backfill run), or raise the retention with sys.sp_cdc_change_job @job_type = N'cleanup', @retention = <minutes>`,
    );
  }
}

/**
 * A capture instance the source needs is missing or unreadable: `sys.fn_cdc_get_min_lsn` returned zero (the
 * instance does not exist or the login may not read it), or the change function is missing. Fatal (exit 1).
 */
export class CdcCaptureInstanceError extends FatalStreamError {
  override readonly name = 'CdcCaptureInstanceError';
  constructor(
    readonly captureInstance: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The login lacks a permission the source needs (SQL Server error 229). Fatal (exit 1). */
export class CdcPermissionError extends FatalStreamError {
  override readonly name = 'CdcPermissionError';
}

/** The change table broke an invariant the source relies on (an update's op 3 row without its op 4 row). */
export class CdcChangeStreamError extends FatalStreamError {
  override readonly name = 'CdcChangeStreamError';
}

/** A SQL request failed and a retry may cure it (connection loss, timeout, deadlock, failover). Exit 2. */
export class CdcTransientError extends TransientStreamError {
  override readonly name = 'CdcTransientError';
  constructor(
    /** The catalogue statement that failed. */
    readonly statement: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A SQL request failed in a way a retry will not cure (bad configuration, missing objects). Exit 1. */
export class CdcQueryError extends FatalStreamError {
  override readonly name = 'CdcQueryError';
  constructor(
    readonly statement: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a driver error tells: the SQL Server error number and the driver code, when present. */
export interface SqlErrorInfo {
  readonly number: number | undefined;
  readonly code: string | undefined;
  readonly message: string;
}

/** The number/code/message of a `mssql` error (or of its cause). */
export function sqlErrorInfo(error: unknown): SqlErrorInfo {
  const e = error as { number?: unknown; code?: unknown; message?: unknown; originalError?: unknown; cause?: unknown } | null;
  const original = (e?.originalError ?? undefined) as { number?: unknown; code?: unknown; info?: { number?: unknown } } | undefined;
  const num = typeof e?.number === 'number' ? e.number : typeof original?.number === 'number' ? original.number : typeof original?.info?.number === 'number' ? original.info.number : undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof original?.code === 'string' ? original.code : undefined;
  return { number: num, code, message: typeof e?.message === 'string' ? e.message : String(error) };
}

/**
 * SQL Server errors a retry may cure: deadlock victim (1205), lock timeout (1222), database unavailable during
 * failover or reconfiguration (40613, 40197, 40143, 40501 throttling, 49918–49920, 4060 while a replica comes
 * up, 4221 read-only replica catching up), resource limits (10928, 10929), transport-level errors (233, 10053,
 * 10054, 10060, 64, 121) and timeouts (-2).
 */
const TRANSIENT_NUMBERS = new Set([
  -2, 64, 121, 233, 1205, 1222, 4060, 4221, 10053, 10054, 10060, 10928, 10929, 40143, 40197, 40501, 40613, 49918, 49919, 49920,
]);

/** Driver codes of lost connections and timeouts (tedious/mssql). */
const TRANSIENT_CODES = new Set(['ESOCKET', 'ECONNCLOSED', 'ECONNRESET', 'ETIMEOUT', 'ETIMEDOUT', 'ENOTOPEN', 'ECLOSE', 'EPIPE', 'ECONNREFUSED', 'EINSTLOOKUP', 'ECANCEL']);

/** Whether a driver error is worth a retry (see `TRANSIENT_NUMBERS` and `TRANSIENT_CODES`). */
export function isTransientSqlError(error: unknown): boolean {
  const { number, code } = sqlErrorInfo(error);
  if (number !== undefined && TRANSIENT_NUMBERS.has(number)) return true;
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** Whether the error is a failed login (18456 or the driver's `ELOGIN`). */
export function isLoginError(error: unknown): boolean {
  const { number, code } = sqlErrorInfo(error);
  return number === 18456 || code === 'ELOGIN';
}
