/**
 * A sink that writes batches of records as NDJSON files (one JSON document per line) to a local folder.
 */
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicFile } from '../../src/state/durable-fs';
import { GraphStage, GraphStageLogic, Inlet, Sink, SinkShape, type BufferStats, type StageContext } from 'tributary';
import { BufferCounters } from '../../src/core/buffer-counters';

/** Options of `ndjsonFileSink`. */
export interface NdjsonFileSinkOptions<T> {
  /** The folder the files go to (created if missing). */
  readonly directory: string;
  /** File names are `<prefix>-<00001>.ndjson`, numbered on from the highest already in the folder; default `part`. */
  readonly prefix?: string;
  /** A file is closed and a new one started before it would exceed this many lines; default 100 000. */
  readonly maxLinesPerFile?: number;
  /** … or this many bytes (a single longer line still gets a file of its own); default 64 MiB. */
  readonly maxBytesPerFile?: number;
  /** Renders a record as one line; default `JSON.stringify`. Must not return line breaks. */
  readonly serialize?: (record: T) => string;
}

/** What the sink wrote, once the stream completed. */
export interface NdjsonFileSummary {
  /** The files made visible, in order (full paths). */
  readonly files: readonly string[];
  readonly lines: number;
  readonly bytes: number;
}

interface OpenFile {
  readonly file: AtomicFile;
  lines: number;
  bytes: number;
}

/** Writes files; every method is called by the stage one at a time, each after the previous one finished. */
class NdjsonWriter<T> {
  private index = 0;
  private current: OpenFile | undefined;
  private readonly files: string[] = [];
  private lines = 0;
  private bytes = 0;

  constructor(
    private readonly directory: string,
    private readonly prefix: string,
    private readonly maxLines: number,
    private readonly maxBytes: number,
    private readonly serialize: (record: T) => string,
  ) {}

  /**
   * Creates the folder, numbers on from the visible files, and deletes the hidden file a killed run left open:
   * its records were never acknowledged (they come again), and its name is the one this run writes next.
   */
  async init(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const pattern = new RegExp(`^(\\.)?${this.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)\\.ndjson(\\.tmp)?$`);
    for (const name of await readdir(this.directory)) {
      const match = pattern.exec(name);
      if (!match || (match[1] === undefined) !== (match[3] === undefined)) continue;
      if (match[3] === undefined) this.index = Math.max(this.index, Number(match[2]));
      else await unlink(join(this.directory, name)).catch(() => undefined);
    }
  }

  /** Appends the batch (rolling files at the limits) and fsyncs it. */
  async write(batch: readonly T[]): Promise<void> {
    let chunk = '';
    for (const record of batch) {
      const line = this.serialize(record);
      if (typeof line !== 'string' || /[\r\n]/.test(line)) {
        throw new TypeError(`ndjsonFileSink: serialize must return a string without line breaks, got ${JSON.stringify(line)}`);
      }
      const text = `${line}\n`;
      const size = Buffer.byteLength(text);
      let file = this.current ?? (await this.openNext());
      if (file.lines > 0 && (file.lines + 1 > this.maxLines || file.bytes + size > this.maxBytes)) {
        await this.append(file, chunk);
        chunk = '';
        await this.close();
        file = await this.openNext();
      }
      chunk += text;
      file.lines++;
      file.bytes += size;
      this.lines++;
      this.bytes += size;
    }
    if (this.current) await this.append(this.current, chunk);
  }

  /** Makes the open file visible; returns the summary. */
  async finish(): Promise<NdjsonFileSummary> {
    await this.close();
    return { files: [...this.files], lines: this.lines, bytes: this.bytes };
  }

  /** Closes and deletes the open (invisible) file after a failure. */
  async discard(): Promise<void> {
    const open = this.current;
    this.current = undefined;
    await open?.file.discard();
  }

  private async openNext(): Promise<OpenFile> {
    const name = `${this.prefix}-${String(++this.index).padStart(5, '0')}.ndjson`;
    this.current = { file: await AtomicFile.create(join(this.directory, name)), lines: 0, bytes: 0 };
    return this.current;
  }

  private async append(open: OpenFile, chunk: string): Promise<void> {
    if (chunk === '') return;
    await open.file.write(chunk);
    await open.file.sync();
  }

  /** Closes the open file and renames it to its visible name (an atomic step), then syncs the folder. */
  private async close(): Promise<void> {
    const open = this.current;
    if (!open) return;
    this.current = undefined;
    await open.file.commit();
    this.files.push(open.file.path);
  }
}

const inlet = new Inlet<readonly unknown[]>('ndjsonFile.in');

class NdjsonFileLogic<T> extends GraphStageLogic {
  private work: Promise<void>;
  private writing = 0;
  /** One batch at a time: in flight while it is written; demand while the next one may be pulled. */
  private readonly counters = new BufferCounters(1, () => 0, () => this.writing, () => !this.isClosed(inlet) && !this.hasBeenPulled(inlet));
  /** Called back (inside the stage) when an operation finished. */
  private readonly done: (next: { readonly error?: unknown; readonly summary?: NdjsonFileSummary }) => void;
  private settle!: { resolve(summary: NdjsonFileSummary): void; reject(error: unknown): void };
  readonly promise: Promise<NdjsonFileSummary>;

  constructor(
    ctx: StageContext,
    private readonly writer: NdjsonWriter<T>,
  ) {
    super(ctx, [inlet], []);
    this.promise = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.promise.catch(() => undefined);
    this.work = Promise.resolve();
    this.done = this.getAsyncCallback((next) => {
      this.writing = 0;
      if ('error' in next) this.failStage(next.error);
      else if (next.summary) {
        this.settle.resolve(next.summary);
        this.setKeepGoing(false);
      } else if (!this.isClosed(inlet)) this.pull(inlet);
    });
    this.setHandler(inlet, {
      onPush: () => {
        const batch = this.grab(inlet) as readonly T[];
        this.writing = 1;
        this.counters.sample();
        this.then(() => this.writer.write(batch));
      },
      onUpstreamFinish: () => this.then(async () => ({ summary: await this.writer.finish() })),
      onUpstreamFailure: (e) => this.failStage(e),
    });
  }

  override stats(): BufferStats {
    return this.counters;
  }

  override preStart(): void {
    this.setKeepGoing(true);
    this.then(() => this.writer.init());
  }

  override failStage(error: unknown): void {
    super.failStage(error);
    this.settle.reject(this.ctx.failure(error));
  }

  override postStop(): void {
    // Stopped without finishing (failure): the open file never becomes visible.
    this.work = this.work.then(() => this.writer.discard());
  }

  /** Runs `op` after the previous one and reports its outcome back into the stage. */
  private then(op: () => Promise<void | { readonly summary: NdjsonFileSummary }>): void {
    this.work = this.work.then(op).then(
      (r) => this.done(r ?? {}),
      (error: unknown) => this.done({ error }),
    );
  }
}

class NdjsonFileStage<T> extends GraphStage<SinkShape<readonly T[]>, Promise<NdjsonFileSummary>> {
  readonly shape = new SinkShape(inlet as Inlet<readonly T[]>);
  override get name(): string {
    return 'ndjsonFileSink';
  }
  constructor(private readonly options: Required<NdjsonFileSinkOptions<T>>) {
    super();
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: Promise<NdjsonFileSummary> } {
    const o = this.options;
    const logic = new NdjsonFileLogic<T>(ctx, new NdjsonWriter(o.directory, o.prefix, o.maxLinesPerFile, o.maxBytesPerFile, o.serialize));
    return { logic, mat: logic.promise };
  }
}

/**
 * Writes each incoming batch as lines of NDJSON to files in `directory`, rolling to a new file before one would
 * exceed `maxLinesPerFile` or `maxBytesPerFile`. A file is written under a hidden temporary name and renamed to
 * its visible name once complete, so readers never see a partial file; a hidden file a killed run left behind is
 * deleted when the sink starts (its records were never acknowledged).
 * - Backpressures when: the previous batch is being written: the sink takes the next batch only after the last
 *   one was written and fsynced (its acknowledgement).
 * - Completes when: upstream completes; the last file is made visible and the materialized Promise resolves with
 *   the summary. Fails when: a write fails or upstream fails; the open file is deleted (never made visible) and
 *   the Promise rejects.
 * @example Source.from(changes).grouped(500).runWith(ndjsonFileSink({ directory: './out', maxLinesPerFile: 10_000 }))
 */
export function ndjsonFileSink<T>(options: NdjsonFileSinkOptions<T>): Sink<readonly T[], Promise<NdjsonFileSummary>> {
  const resolved: Required<NdjsonFileSinkOptions<T>> = {
    directory: options?.directory,
    prefix: options?.prefix ?? 'part',
    maxLinesPerFile: options?.maxLinesPerFile ?? 100_000,
    maxBytesPerFile: options?.maxBytesPerFile ?? 64 * 1024 * 1024,
    serialize: options?.serialize ?? ((record: T) => JSON.stringify(record)),
  };
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new TypeError(`ndjsonFileSink: ${field} must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
  };
  if (typeof resolved.directory !== 'string' || resolved.directory === '') fail('directory', 'a non-empty string', resolved.directory);
  if (!/^[\w.-]+$/.test(resolved.prefix)) fail('prefix', 'letters, digits, "_", "." or "-"', resolved.prefix);
  if (!Number.isInteger(resolved.maxLinesPerFile) || resolved.maxLinesPerFile < 1) fail('maxLinesPerFile', 'a positive integer', resolved.maxLinesPerFile);
  if (!Number.isInteger(resolved.maxBytesPerFile) || resolved.maxBytesPerFile < 1) fail('maxBytesPerFile', 'a positive integer', resolved.maxBytesPerFile);
  if (typeof resolved.serialize !== 'function') fail('serialize', 'a function', typeof resolved.serialize);
  return Sink.fromGraph(new NdjsonFileStage(resolved));
}
