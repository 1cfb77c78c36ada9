/**
 * The lake writer: record batches → files in a `FileStore`. One file is open per schema (table) at a time, up to
 * `maxOpenFiles`; files roll by rows, bytes and age, and each is made visible in one atomic commit. The contexts
 * of a batch are handed back only once the file holding its last row is committed, and always in input order
 * (a batch's contexts wait for every earlier batch's file), so a committer never checkpoints past unstored data.
 * One operation at a time (the stage serializes them).
 */
import { randomUUID } from 'node:crypto';
import type { RecordBatch, Schema } from 'apache-arrow';
import { Deque } from '../../src/core/deque';
import { encoderFor, type BatchEncoder, type Format } from '../../flows/arrow/formats/format';
import { arrowIpcFileFormat } from '../../flows/arrow/formats/arrow-ipc';
import { schemaFingerprint, tableOfSchema } from '../../flows/arrow/schema-identity';
import type { InterruptionToken } from '../../hosting/contracts';
import type { FileStore, FileUpload } from './file-store';
import type { PathTemplate } from './path-template';

/** A file the sink committed. */
export interface WrittenFile {
  /** Its path in the store. */
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
  readonly format: string;
  readonly schemaFingerprint: string;
  /** The source table (from the batches' schema metadata), if known. */
  readonly table: string | undefined;
}

/** Contexts that may be acknowledged now, with the file that made them durable (none for empty batches). */
export interface Committed<Ctx> {
  readonly file: WrittenFile | undefined;
  readonly contexts: readonly Ctx[];
}

/** What one operation of the writer produced. */
export interface Progress<Ctx> {
  /** Files committed, in commit order. */
  readonly files: readonly WrittenFile[];
  /** Contexts that may be acknowledged now, in input order. */
  readonly acks: readonly Committed<Ctx>[];
}

/** What the sink wrote, once the stream completed. */
export interface LakeSummary {
  /** Data files committed. */
  readonly files: number;
  readonly rows: number;
  /** Bytes of the data files. */
  readonly bytes: number;
  /** The path of the last data file committed, if any. */
  readonly lastFile: string | undefined;
  /** Schema files written (one per schema, when `schemaFile` is on). */
  readonly schemaFiles: readonly string[];
  /** The completion marker's path, when one was written (uninterrupted backfill). */
  readonly completionMarker: string | undefined;
}

/** The writer's resolved settings. */
export interface LakeSettings {
  readonly store: FileStore;
  readonly format: Format;
  readonly streamId: string;
  readonly backfill: boolean;
  readonly interruption: InterruptionToken | undefined;
  /** `data/` or `backfill/` (with the trailing slash), or ''. */
  readonly prefix: string;
  readonly path: PathTemplate;
  readonly schemaPath: PathTemplate | undefined;
  readonly markerPath: PathTemplate | undefined;
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly maxOpenFiles: number;
}

interface OpenFile {
  readonly path: string;
  readonly upload: FileUpload;
  readonly encoder: BatchEncoder;
  readonly schema: Schema;
  readonly fingerprint: string;
  readonly table: string | undefined;
  readonly openedAt: number;
  rows: number;
  /** Encoded bytes appended (streaming formats) or the batches' in-memory size (buffered formats). */
  bytes: number;
  /** Set once committed. */
  written?: WrittenFile;
}

/** The contexts of one batch, waiting for the file holding its last row. */
interface Pending<Ctx> {
  readonly file: OpenFile | undefined;
  readonly contexts: readonly Ctx[];
}

/** The in-memory size of a batch's buffers: an estimate of its encoded size. */
export function batchBytes(batch: RecordBatch): number {
  let n = 0;
  for (const d of batch.data.children) {
    for (const b of [d.values, d.valueOffsets, d.nullBitmap] as (ArrayBufferView | undefined)[]) n += b?.byteLength ?? 0;
  }
  return n;
}

const size = (chunks: readonly Uint8Array[]): number => chunks.reduce((n, c) => n + c.byteLength, 0);

export class LakeWriter<Ctx> {
  /** Open files by schema fingerprint, least recently written first. */
  private readonly open = new Map<string, OpenFile>();
  private readonly pending = new Deque<Pending<Ctx>>();
  private committedNow: WrittenFile[] = [];
  private seq = 0;
  private files = 0;
  private rows = 0;
  private bytes = 0;
  private lastFile: string | undefined;
  private readonly schemasWritten = new Set<string>();
  private readonly schemaFiles: string[] = [];
  private readonly tables = new Set<string>();
  private marker: string | undefined;

  constructor(
    private readonly s: LakeSettings,
    private readonly now: () => number,
  ) {}

  /** When the oldest open file was opened (scheduler time), or undefined when none is open. */
  get oldestOpenedAt(): number | undefined {
    let oldest: number | undefined;
    for (const f of this.open.values()) if (oldest === undefined || f.openedAt < oldest) oldest = f.openedAt;
    return oldest;
  }

  /** Rows in open files (not yet visible). */
  get openRows(): number {
    let n = 0;
    for (const f of this.open.values()) n += f.rows;
    return n;
  }

  /** Batches whose contexts wait for a commit. */
  get waitingBatches(): number {
    return this.pending.size;
  }

  /**
   * Appends a batch to the open file of its schema, committing files that reach the limits first (a batch may
   * be split across files) and the least recently written file when `maxOpenFiles` are open.
   */
  async write(batch: RecordBatch, contexts: readonly Ctx[]): Promise<Progress<Ctx>> {
    const fingerprint = schemaFingerprint(batch.schema);
    const total = batch.numRows;
    const perRow = total > 0 ? batchBytes(batch) / total : 0;
    let offset = 0;
    let file = this.open.get(fingerprint);
    while (offset < total) {
      if (file && (file.rows >= this.s.maxRows || (file.rows > 0 && this.s.maxBytes - file.bytes < perRow))) {
        await this.commit(file);
        file = undefined;
      }
      file ??= await this.openFile(batch.schema, fingerprint);
      const byBytes = perRow > 0 ? Math.max(1, Math.floor((this.s.maxBytes - file.bytes) / perRow)) : total;
      const take = Math.min(total - offset, this.s.maxRows - file.rows, byBytes);
      const slice = offset === 0 && take === total ? batch : batch.slice(offset, offset + take);
      const chunks = file.encoder.write(slice);
      await file.upload.append(chunks);
      file.rows += take;
      file.bytes += this.s.format.capabilities.streamingEncode ? size(chunks) : batchBytes(slice);
      offset += take;
      this.touch(file);
    }
    if (contexts.length > 0) {
      this.pending.push({ file, contexts }); // an empty batch (no file) waits only for the batches before it
    }
    if (file && (file.rows >= this.s.maxRows || file.bytes >= this.s.maxBytes)) await this.commit(file);
    return this.progress();
  }

  /** Commits the open files opened at least `minAgeMs` ago (the age limit; 0: all, at the end of the stream). */
  async flush(minAgeMs = 0): Promise<Progress<Ctx>> {
    const now = this.now();
    for (const f of [...this.open.values()].sort((a, b) => a.openedAt - b.openedAt)) {
      if (now - f.openedAt >= minAgeMs) await this.commit(f);
    }
    return this.progress();
  }

  /**
   * After the last file: writes the completion marker if this is a backfill that was not interrupted.
   * Returns its path, or undefined when none was written.
   */
  async complete(): Promise<string | undefined> {
    const { markerPath, backfill, interruption } = this.s;
    if (!backfill || !markerPath || interruption?.isInterrupted !== false) return undefined;
    const path = `${this.s.prefix}${markerPath.render({ streamId: this.s.streamId, time: this.now() })}`;
    const body = JSON.stringify({
      streamId: this.s.streamId,
      files: this.files,
      rows: this.rows,
      tables: [...this.tables].sort(),
      completedAt: new Date(this.now()).toISOString(),
    });
    await this.s.store.put(path, Buffer.from(`${body}\n`), 'application/json');
    this.marker = path;
    return path;
  }

  /** Discards the open files (never made visible). Never throws. */
  async abort(): Promise<void> {
    const files = [...this.open.values()];
    this.open.clear();
    await Promise.all(files.map((f) => f.upload.abort()));
  }

  summary(): LakeSummary {
    return {
      files: this.files,
      rows: this.rows,
      bytes: this.bytes,
      lastFile: this.lastFile,
      schemaFiles: [...this.schemaFiles],
      completionMarker: this.marker,
    };
  }

  /** Files committed since the last call, and the contexts at the head of the queue whose files are committed. */
  private progress(): Progress<Ctx> {
    const files = this.committedNow;
    this.committedNow = [];
    const acks: Committed<Ctx>[] = [];
    for (;;) {
      const head = this.pending.peek();
      if (!head || (head.file !== undefined && head.file.written === undefined)) break;
      this.pending.shift();
      acks.push({ file: head.file?.written, contexts: head.contexts });
    }
    return { files, acks };
  }

  /** Marks `file` as the most recently written. */
  private touch(file: OpenFile): void {
    this.open.delete(file.fingerprint);
    this.open.set(file.fingerprint, file);
  }

  private async openFile(schema: Schema, fingerprint: string): Promise<OpenFile> {
    if (this.open.size >= this.s.maxOpenFiles) await this.commit(this.open.values().next().value!);
    const table = tableOfSchema(schema);
    const openedAt = this.now();
    const path =
      this.s.prefix +
      this.s.path.render({
        streamId: this.s.streamId,
        table: table ?? 'default',
        schema: fingerprint,
        time: openedAt,
        uuid: randomUUID(),
        ext: this.s.format.extensions[0]!,
        seq: ++this.seq,
      });
    const upload = await this.s.store.create(path, this.s.format.contentType);
    const file: OpenFile = { path, upload, encoder: encoderFor(this.s.format, schema), schema, fingerprint, table, openedAt, rows: 0, bytes: 0 };
    this.open.set(fingerprint, file);
    return file;
  }

  private async commit(file: OpenFile): Promise<void> {
    const last = file.encoder.finish();
    await file.upload.append(last);
    await this.writeSchemaFile(file);
    await file.upload.commit();
    this.open.delete(file.fingerprint);
    const bytes = this.s.format.capabilities.streamingEncode ? file.bytes + size(last) : size(last);
    this.files++;
    this.rows += file.rows;
    this.bytes += bytes;
    this.lastFile = file.path;
    if (file.table !== undefined) this.tables.add(file.table);
    file.written = {
      path: file.path,
      rows: file.rows,
      bytes,
      format: this.s.format.name,
      schemaFingerprint: file.fingerprint,
      table: file.table,
    };
    this.committedNow.push(file.written);
  }

  /** Writes the schema file of `file`'s schema (once per schema), before its first data file is visible. */
  private async writeSchemaFile(file: OpenFile): Promise<void> {
    const template = this.s.schemaPath;
    if (!template || this.schemasWritten.has(file.fingerprint)) return;
    const format = this.s.format.capabilities.selfDescribing ? this.s.format : arrowIpcFileFormat;
    const path =
      this.s.prefix +
      template.render({ streamId: this.s.streamId, table: file.table ?? 'default', schema: file.fingerprint, time: file.openedAt, ext: format.extensions[0]! });
    const encoded = format.encode([], file.schema);
    const bytes = encoded instanceof Uint8Array ? encoded : Buffer.concat([...encoded]);
    await this.s.store.put(path, bytes, format.contentType);
    this.schemasWritten.add(file.fingerprint);
    this.schemaFiles.push(path);
  }
}
