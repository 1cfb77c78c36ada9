/**
 * The lake sink's public factories: `lakeSink`, `lakeFlow` and `lakeFlowWithContext`.
 */
import type { RecordBatch } from 'apache-arrow';
import { Flow, FlowWithContext, Keep, Sink } from 'tributary';
import type { Format } from '../../flows/arrow/formats/format';
import { formats as defaultFormats, type FormatRegistry } from '../../flows/arrow/formats/registry';
import type { InterruptionToken } from '../../hosting/contracts';
import { requirePositiveDuration, requirePositiveInt } from '../../src/core/validate';
import type { FileStore } from './file-store';
import { LakeStage } from './lake-stage';
import type { LakeSettings, LakeSummary, WrittenFile } from './lake-writer';
import { PathTemplate } from './path-template';

/** Options of the lake sink. */
export interface LakeOptions {
  /** Where files go: `blobStore({ container })` or `localStore(directory)`. */
  readonly store: FileStore;
  /** A format name from `formats` (or `registry`), or a `Format`; default `'parquet'`. */
  readonly format?: string | Format;
  /** The registry `format` names are looked up in (default: `formats`). */
  readonly registry?: FormatRegistry;
  /** The stream's id (`{streamId}` in paths; `STREAMCONTEXT__STREAM_ID` under the host). */
  readonly streamId: string;
  /** Whether this run is a backfill (`STREAMCONTEXT__BACKFILL`): files go under the backfill prefix. */
  readonly backfill?: boolean;
  /**
   * Required for a backfill: the completion marker is written only if `isInterrupted` is false when the stream
   * completes (the host's `lifetime` service).
   */
  readonly interruption?: InterruptionToken;
  /** Top-level folders (as Arcane's `data` / `backfill`); default `{ stream: 'data', backfill: 'backfill' }`. */
  readonly prefixes?: { readonly stream?: string; readonly backfill?: string };
  /**
   * Data file paths under the prefix; default `{streamId}/{table}/{yyyy}/{MM}/{dd}/part-{uuid}.{ext}`. Variables:
   * `{streamId} {table} {schema} {yyyy} {MM} {dd} {HH} {mm} {uuid} {seq} {ext}`; must contain `{uuid}`.
   * Dates are the file's opening time (UTC, scheduler time).
   */
  readonly pathTemplate?: string;
  /** A file is committed and a new one started at this many rows (default 1 000 000); batches are split to fit. */
  readonly maxRowsPerFile?: number;
  /** … or at about this many bytes (default 64 MiB; encoded bytes, or in-memory bytes for Parquet). */
  readonly maxBytesPerFile?: number;
  /** … or this long after it was opened (default 60 000 ms), so contexts of a quiet stream are acknowledged. */
  readonly maxFileAgeMs?: number;
  /**
   * Files open at once, one per schema (table) (default 4): interleaved tables fill their own files. Opening one
   * more commits the least recently written. Memory: up to this many open files (Parquet holds a file's batches
   * until it is committed: `maxOpenFiles × maxBytesPerFile`).
   */
  readonly maxOpenFiles?: number;
  /**
   * Writes one empty file carrying the schema per schema (default off), before the first data file with it;
   * in the data format if self-describing, else as Arrow IPC (`.arrow`). `true` uses
   * `{streamId}/{table}/_schemas/{schema}.{ext}`; a string is the template.
   */
  readonly schemaFile?: boolean | string;
  /**
   * The completion marker's path under the backfill prefix (default `{streamId}/_COMPLETED`), written after an
   * uninterrupted backfill; `false` disables it.
   */
  readonly completionMarker?: string | false;
}

const DEFAULT_PATH = '{streamId}/{table}/{yyyy}/{MM}/{dd}/part-{uuid}.{ext}';
const DEFAULT_SCHEMA_PATH = '{streamId}/{table}/_schemas/{schema}.{ext}';
const DEFAULT_MARKER = '{streamId}/_COMPLETED';

interface Resolved {
  readonly settings: LakeSettings;
  readonly maxFileAgeMs: number;
}

function prefixOf(op: string, field: string, value: unknown): string {
  if (value === '') return '';
  if (typeof value !== 'string' || value.startsWith('/') || value.split('/').some((s) => s === '.' || s === '..')) {
    throw new TypeError(`${op}: ${field} must be a relative folder such as 'data' (or ''), got ${JSON.stringify(value)}`);
  }
  return value.endsWith('/') ? value : `${value}/`;
}

function resolve(op: string, o: LakeOptions): Resolved {
  if (o === null || typeof o !== 'object') throw new TypeError(`${op}: options must be an object`);
  const store = o.store;
  if (!store || typeof store.create !== 'function' || typeof store.put !== 'function') {
    throw new TypeError(`${op}: store must be a FileStore (blobStore(...) or localStore(...)), got ${String(store)}`);
  }
  if (typeof o.streamId !== 'string' || o.streamId === '') throw new TypeError(`${op}: streamId must be a non-empty string, got ${JSON.stringify(o.streamId)}`);
  const backfill = o.backfill ?? false;
  if (typeof backfill !== 'boolean') throw new TypeError(`${op}: backfill must be a boolean, got ${JSON.stringify(o.backfill)}`);
  if (backfill && o.completionMarker !== false && typeof o.interruption?.isInterrupted !== 'boolean') {
    throw new TypeError(
      `${op}: a backfill needs interruption (an InterruptionToken, e.g. the host's services.get('lifetime')) so that ` +
        `no completion marker is written for an interrupted backfill; or set completionMarker: false`,
    );
  }
  const format = (o.registry ?? defaultFormats).resolve(o.format ?? 'parquet');
  const prefix = prefixOf(op, backfill ? 'prefixes.backfill' : 'prefixes.stream', backfill ? (o.prefixes?.backfill ?? 'backfill') : (o.prefixes?.stream ?? 'data'));
  const schemaFile = o.schemaFile ?? false;
  const settings: LakeSettings = {
    store,
    format,
    streamId: o.streamId,
    backfill,
    interruption: o.interruption,
    prefix,
    path: new PathTemplate(o.pathTemplate ?? DEFAULT_PATH, op, 'pathTemplate', ['uuid']),
    schemaPath: schemaFile === false ? undefined : new PathTemplate(schemaFile === true ? DEFAULT_SCHEMA_PATH : schemaFile, op, 'schemaFile', ['schema']),
    markerPath: o.completionMarker === false ? undefined : new PathTemplate(o.completionMarker ?? DEFAULT_MARKER, op, 'completionMarker'),
    maxRows: requirePositiveInt(op, 'maxRowsPerFile', o.maxRowsPerFile ?? 1_000_000),
    maxBytes: requirePositiveInt(op, 'maxBytesPerFile', o.maxBytesPerFile ?? 64 * 1024 * 1024),
    maxOpenFiles: requirePositiveInt(op, 'maxOpenFiles', o.maxOpenFiles ?? 4),
  };
  return { settings, maxFileAgeMs: requirePositiveDuration(op, 'maxFileAgeMs', o.maxFileAgeMs ?? 60_000) };
}

/**
 * Writes record batches as files to a `FileStore` (Azure Blob Storage or a local folder), emitting each file
 * once it is committed. See `lakeSink` for the layout and guarantees.
 * @example batches.via(lakeFlow({ store, format: 'parquet', streamId: 'orders' })).runWith(Sink.forEach((f) => log.info(`wrote ${f.path}`)))
 */
export function lakeFlow(options: LakeOptions): Flow<RecordBatch, WrittenFile, Promise<LakeSummary>> {
  return filesFlow('lakeFlow', options);
}

function filesFlow(op: string, options: LakeOptions): Flow<RecordBatch, WrittenFile, Promise<LakeSummary>> {
  const { settings, maxFileAgeMs } = resolve(op, options);
  return Flow.fromGraph(new LakeStage<RecordBatch, WrittenFile>(settings, maxFileAgeMs, 'files', false));
}

/**
 * Writes record batches as files to a `FileStore`: Parquet (or any registered format) under
 * `data/{streamId}/{table}/{yyyy}/{MM}/{dd}/part-{uuid}.{ext}` (`backfill/…` in a backfill), rolled at
 * `maxRowsPerFile` rows, `maxBytesPerFile` bytes, `maxFileAgeMs` age and at every schema change. A file becomes
 * visible only when complete (a blob's block list is committed once; a local file is renamed into place after
 * an fsync). After an uninterrupted backfill a completion marker is written.
 * - Backpressures when: a batch is being encoded or stored (one at a time).
 * - Completes when: upstream completed, the last file was committed (and the marker written); the Promise
 *   resolves with the summary. Fails when: storage or encoding fails, or upstream fails; the open file is
 *   discarded (never visible) and the Promise rejects.
 * @example
 * rows.via(toRecordBatches({ inferFrom: 'first' })).runWith(lakeSink({ store: localStore('./lake'), format: 'parquet', streamId: 'orders' }))
 */
export function lakeSink(options: LakeOptions): Sink<RecordBatch, Promise<LakeSummary>> {
  return filesFlow('lakeSink', options).toMat(Sink.ignore(), Keep.left);
}

/**
 * The lake sink for batches with contexts (from `toRecordBatchesWithContext`): emits each context once the file
 * holding the last row of its batch is committed — in order, paired with that file (`undefined` for empty
 * batches) — so `Committer.sinkWithContext` checkpoints only data that is stored.
 * @example
 * cdc.via(toRecordBatchesWithContext({ inferFrom: 'first' }))
 *   .via(lakeFlowWithContext({ store, format: 'parquet', streamId }))
 *   .toMat(Committer.sinkWithContext(committer), DrainingControl.create)
 */
export function lakeFlowWithContext<Ctx>(
  options: LakeOptions,
): FlowWithContext<RecordBatch, readonly Ctx[], WrittenFile | undefined, Ctx, Promise<LakeSummary>> {
  const { settings, maxFileAgeMs } = resolve('lakeFlowWithContext', options);
  const flow = Flow.fromGraph(
    new LakeStage<[RecordBatch, readonly Ctx[]], [WrittenFile | undefined, Ctx]>(settings, maxFileAgeMs, 'contexts', true),
  );
  return FlowWithContext.fromTuples(flow);
}
