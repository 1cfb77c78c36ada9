import { hostname } from 'node:os';
import type { CheckpointStore } from '../../src/state/checkpoint-store';
import type { Lease } from '../../src/state/lease';
import { requireNonNegativeInt, requirePositiveDuration, requirePositiveInt } from '../../src/core/validate';
import type { CdcCheckpoint } from './checkpoint';
import type { CdcConnection } from './client';
import type { DecimalPolicy } from './columns';
import type { CdcObserver } from './observer';
import type { StartFrom } from './session';
import { TableFilter, type TableSelection } from './table-selection';

/** Options of `SqlServerCdcSource.create`. */
export interface SqlServerCdcOptions {
  /** An `mssql` connection string (e.g. `ctx.secret('SQL_CONNECTION')`) or config object. */
  readonly connection: CdcConnection;
  /** The database to stream (one source per database). */
  readonly database: string;
  /** `['dbo.Orders', 'dbo.Customers']` or `{ include: ['sales.*'], exclude: ['sales.tmp_*'] }`. */
  readonly tables: TableSelection;
  /** Where positions are stored: one document per database (`FileCheckpointStore`, `BlobCheckpointStore`…). */
  readonly checkpoints: CheckpointStore<CdcCheckpoint>;
  /**
   * The lease guarding this database (`store.lease(key)`), held by running the graph with
   * `withLease(lease, () => graph)`: the source fails at start if it is not held, fails with `LeaseLostError` as
   * soon as it is lost, and never resumes after a transient error without it.
   */
  readonly lease?: Lease;
  /** The server name in ids, events and the checkpoint key; default `@@SERVERNAME`. */
  readonly server?: string;
  /** The checkpoint key; default `cdcCheckpointKey(server, database)` = `sqlserver-cdc/<server>/<database>`. */
  readonly checkpointKey?: string;
  /** Without a checkpoint: `'initial'` (snapshot, then stream; default), `'now'` (only new changes) or `'retained'` (everything CDC still has). */
  readonly startFrom?: StartFrom;
  /** A backfill run (the host's `ctx.isBackfilling` / `ctx.backfillId`): snapshot every table again, then stream. */
  readonly backfill?: boolean | { readonly id?: string };
  /** When cleanup removed changes the checkpoint needs: `'fail'` (`CdcDataLossError`, default) or `'resnapshot'` the table. */
  readonly onDataLoss?: 'fail' | 'resnapshot';
  /** When a table gets a new capture instance: `'continue'` (switch and notify; default) or `'fail'` with `SchemaMismatchError` once the old one is read. */
  readonly onSchemaChange?: 'continue' | 'fail';
  /** Delay before the next iteration after one that found changes (default 500 ms). */
  readonly pollIntervalMs?: number;
  /** Idle iterations back off (×2, with jitter) up to this (default 5 000 ms). */
  readonly maxPollIntervalMs?: number;
  /** Random extra delay as a fraction of each poll and error delay (default 0.2). */
  readonly jitter?: number;
  /** Backoff after transient failures: `{ minMs: 1 000, maxMs: 30 000 }` by default. */
  readonly errorBackoff?: { readonly minMs?: number; readonly maxMs?: number };
  /** Consecutive transient failures before the source gives up with the last one (default 30; 0 = never). */
  readonly maxConsecutiveErrors?: number;
  /** An iteration reads at most this many transactions (default 500; 0 = up to the max LSN). */
  readonly maxTransactionsPerIteration?: number;
  /** Change rows per query (default 1 000); also the most events the source holds. */
  readonly pageSize?: number;
  /** Rows per snapshot query (default `pageSize`). */
  readonly snapshotChunkSize?: number;
  /** `decimal`/`numeric`/`money`/`bigint` as exact strings (default) or JS numbers (may lose precision). */
  readonly decimals?: DecimalPolicy;
  /** Per-statement timeout (default 600 000 ms). */
  readonly requestTimeoutMs?: number;
  /** Idle advancement is written at most this often (default 5 000 ms). */
  readonly idleCheckpointIntervalMs?: number;
  /** Warn when the max LSN has not moved for this long (default 300 000 ms): the capture job may be stopped. */
  readonly captureStallWarningMs?: number;
  /** Metrics and log hooks (`hostCdcObserver(logger, metrics)` under the host). */
  readonly observer?: CdcObserver;
  /** Written into the checkpoint as the writer (default: host name and process id). */
  readonly instanceId?: string;
}

/** The options with defaults applied. */
export interface ResolvedCdcOptions {
  readonly connection: CdcConnection;
  readonly database: string;
  readonly filter: TableFilter;
  readonly checkpoints: CheckpointStore<CdcCheckpoint>;
  readonly lease: Lease | undefined;
  readonly server: string | undefined;
  readonly checkpointKey: string | undefined;
  readonly startFrom: StartFrom;
  readonly backfill: { readonly id: string | undefined } | undefined;
  readonly onDataLoss: 'fail' | 'resnapshot';
  readonly onSchemaChange: 'continue' | 'fail';
  readonly pollIntervalMs: number;
  readonly maxPollIntervalMs: number;
  readonly jitter: number;
  readonly errorMinMs: number;
  readonly errorMaxMs: number;
  readonly maxConsecutiveErrors: number;
  readonly maxTransactionsPerIteration: number;
  readonly pageSize: number;
  readonly snapshotChunkSize: number;
  readonly decimals: DecimalPolicy;
  readonly requestTimeoutMs: number;
  readonly idleCheckpointIntervalMs: number;
  readonly captureStallWarningMs: number;
  readonly observer: CdcObserver;
  readonly instanceId: string;
}

const OP = 'SqlServerCdcSource.create';

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new TypeError(`${OP}: ${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function requireRange(minField: string, min: unknown, maxField: string, max: unknown): void {
  requirePositiveDuration(OP, minField, min);
  requirePositiveDuration(OP, maxField, max);
  if ((max as number) < (min as number)) throw new RangeError(`${OP}: ${maxField} (${String(max)}) must be >= ${minField} (${String(min)})`);
}

/** Validates the options (errors name the field, the value and what was expected) and applies defaults. */
export function resolveOptions(options: SqlServerCdcOptions): ResolvedCdcOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${OP}: options must be an object`);
  const { connection, database, checkpoints } = options;
  if (typeof connection !== 'string' && (typeof connection !== 'object' || connection === null)) {
    throw new TypeError(`${OP}: connection must be an mssql connection string or config object, got ${connection === null ? 'null' : typeof connection}`);
  }
  if (typeof connection === 'string' && connection.trim() === '') throw new TypeError(`${OP}: connection is an empty string`);
  if (typeof database !== 'string' || database.trim() === '') throw new TypeError(`${OP}: database must be a non-empty string, got ${JSON.stringify(database)}`);
  if (typeof checkpoints?.load !== 'function' || typeof checkpoints.save !== 'function') {
    throw new TypeError(`${OP}: checkpoints must be a CheckpointStore (FileCheckpointStore, BlobCheckpointStore…)`);
  }
  const filter = new TableFilter(options.tables);
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const maxPollIntervalMs = options.maxPollIntervalMs ?? Math.max(5_000, pollIntervalMs);
  const jitter = options.jitter ?? 0.2;
  const errorMinMs = options.errorBackoff?.minMs ?? 1_000;
  const errorMaxMs = options.errorBackoff?.maxMs ?? Math.max(30_000, errorMinMs);
  requireRange('pollIntervalMs', pollIntervalMs, 'maxPollIntervalMs', maxPollIntervalMs);
  requireRange('errorBackoff.minMs', errorMinMs, 'errorBackoff.maxMs', errorMaxMs);
  if (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0) throw new RangeError(`${OP}: jitter must be a finite number >= 0, got ${String(jitter)}`);
  const pageSize = requirePositiveInt(OP, 'pageSize', options.pageSize ?? 1_000);
  const backfill = options.backfill === undefined || options.backfill === false ? undefined : { id: options.backfill === true ? undefined : options.backfill.id };
  if (options.server !== undefined && (typeof options.server !== 'string' || options.server === '')) throw new TypeError(`${OP}: server must be a non-empty string`);
  return {
    connection,
    database,
    filter,
    checkpoints,
    lease: options.lease,
    server: options.server,
    checkpointKey: options.checkpointKey,
    startFrom: oneOf('startFrom', options.startFrom, ['initial', 'now', 'retained'], 'initial'),
    backfill,
    onDataLoss: oneOf('onDataLoss', options.onDataLoss, ['fail', 'resnapshot'], 'fail'),
    onSchemaChange: oneOf('onSchemaChange', options.onSchemaChange, ['continue', 'fail'], 'continue'),
    pollIntervalMs,
    maxPollIntervalMs,
    jitter,
    errorMinMs,
    errorMaxMs,
    maxConsecutiveErrors: requireNonNegativeInt(OP, 'maxConsecutiveErrors', options.maxConsecutiveErrors ?? 30),
    maxTransactionsPerIteration: requireNonNegativeInt(OP, 'maxTransactionsPerIteration', options.maxTransactionsPerIteration ?? 500),
    pageSize,
    snapshotChunkSize: requirePositiveInt(OP, 'snapshotChunkSize', options.snapshotChunkSize ?? pageSize),
    decimals: oneOf('decimals', options.decimals, ['string', 'number'], 'string'),
    requestTimeoutMs: requirePositiveDuration(OP, 'requestTimeoutMs', options.requestTimeoutMs ?? 600_000),
    idleCheckpointIntervalMs: requireNonNegativeInt(OP, 'idleCheckpointIntervalMs', options.idleCheckpointIntervalMs ?? 5_000),
    captureStallWarningMs: requirePositiveDuration(OP, 'captureStallWarningMs', options.captureStallWarningMs ?? 300_000),
    observer: options.observer ?? {},
    instanceId: options.instanceId ?? `${hostname()}/${process.pid}`,
  };
}
