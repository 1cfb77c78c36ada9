/**
 * A sink that writes batches of records as NDJSON files (one JSON document per line) to a local folder.
 */
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphStage, GraphStageLogic, Inlet, Sink, SinkShape, type BufferStats, type StageContext } from 'tributary';

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
  readonly handle: FileHandle;
  readonly temp: string;
  readonly path: string;
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

  async init(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const pattern = new RegExp(`^${this.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)\\.ndjson$`);
    for (const name of await readdir(this.directory)) {
      const match = pattern.exec(name);
      if (match) this.index = Math.max(this.index, Number(match[1]));
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
    const file = this.current;
    this.current = undefined;
    if (!file) return;
    await file.handle.close().catch(() => undefined);
    await unlink(file.temp).catch(() => undefined);
  }

  private async openNext(): Promise<OpenFile> {
    const name = `${this.prefix}-${String(++this.index).padStart(5, '0')}.ndjson`;
    const temp = join(this.directory, `.${name}.tmp`);
    this.current = { handle: await open(temp, 'wx'), temp, path: join(this.directory, name), lines: 0, bytes: 0 };
    return this.current;
  }

  private async append(file: OpenFile, chunk: string): Promise<void> {
    if (chunk === '') return;
    await file.handle.write(chunk);
    await file.handle.sync();
  }

  /** Closes the open file and renames it to its visible name (an atomic step), then syncs the folder. */
  private async close(): Promise<void> {
    const file = this.current;
    if (!file) return;
    this.current = undefined;
    await file.handle.close();
    await rename(file.temp, file.path);
    this.files.push(file.path);
    const dir = await open(this.directory, 'r');
    await dir.sync().catch(() => undefined); // not supported for folders on every platform
    await dir.close();
  }
}

const inlet = new Inlet<readonly unknown[]>('ndjsonFile.in');

class NdjsonFileLogic<T> extends GraphStageLogic implements BufferStats {
  private work: Promise<void>;
  private writing = 0;
  private _peak = 0;
  /** Called back (inside the stage) when an operation finished. */
  private readonly done: (next: { readonly error?: unknown; readonly summary?: NdjsonFileSummary }) => void;
  private settle!: { resolve(summary: NdjsonFileSummary): void; reject(error: unknown): void };
  readonly promise: Promise<NdjsonFileSummary>;
  readonly capacity = 1;

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
        this._peak = 1;
        this.then(() => this.writer.write(batch));
      },
      onUpstreamFinish: () => this.then(async () => ({ summary: await this.writer.finish() })),
      onUpstreamFailure: (e) => this.failStage(e),
    });
  }

  get buffered(): number {
    return 0;
  }
  get inFlight(): number {
    return this.writing;
  }
  get peak(): number {
    return this._peak;
  }
  get demand(): number {
    return this.isClosed(inlet) || this.hasBeenPulled(inlet) ? 0 : 1 - this.writing;
  }
  override stats(): BufferStats {
    return this;
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
 * its visible name once complete, so readers never see a partial file.
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
