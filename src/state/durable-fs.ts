/**
 * Durable, atomic local files: write under a temporary name in the same folder, fsync, rename over the final
 * name, fsync the folder. A reader sees the old file or the complete new one, also after a crash or `kill -9`.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

/** Makes a folder's entries (a rename, a new or removed file) durable. Not supported on Windows: skipped. */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Options of `AtomicFile.create`. */
export interface AtomicFileOptions {
  /** The temporary path, in the same folder (default `.<name>.tmp`). */
  readonly temp?: string;
  /** Replace a leftover temporary file instead of failing (default false: `EEXIST`). */
  readonly overwriteTemp?: boolean;
}

/**
 * A file written under a temporary name and made visible under its final name in one atomic, durable step.
 * @example
 * const file = await AtomicFile.create('/data/part-1.parquet');
 * await file.write(bytes);
 * await file.commit(); // fsync, rename, fsync the folder
 */
export class AtomicFile {
  /** Bytes written so far. */
  bytes = 0;
  private closed = false;
  private committed = false;

  private constructor(
    /** The final path. */
    readonly path: string,
    /** Where the bytes are until `commit`. */
    readonly temp: string,
    private readonly handle: FileHandle,
  ) {}

  /** Opens the temporary file for `finalPath`. */
  static async create(finalPath: string, options: AtomicFileOptions = {}): Promise<AtomicFile> {
    const temp = options.temp ?? path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.tmp`);
    return new AtomicFile(finalPath, temp, await open(temp, options.overwriteTemp ? 'w' : 'wx'));
  }

  /** Appends `data` (not yet durable: see `sync`). */
  async write(data: string | Uint8Array): Promise<void> {
    if (typeof data === 'string') {
      if (data === '') return;
      const { bytesWritten } = await this.handle.write(data);
      this.bytes += bytesWritten;
    } else {
      let at = 0;
      while (at < data.byteLength) {
        const { bytesWritten } = await this.handle.write(data, at, data.byteLength - at);
        at += bytesWritten;
      }
      this.bytes += data.byteLength;
    }
  }

  /** Makes what was written so far durable (still under the temporary name). */
  async sync(): Promise<void> {
    await this.handle.sync();
  }

  /** fsyncs, closes, renames to the final name and fsyncs the folder: the file is visible and durable. */
  async commit(): Promise<void> {
    if (this.closed) throw new Error(`AtomicFile: ${this.path} was already committed or discarded`);
    this.closed = true;
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    await rename(this.temp, this.path);
    this.committed = true;
    await syncDirectory(path.dirname(this.path));
  }

  /** Closes and deletes the temporary file unless it was committed (the final name is untouched). Never throws. */
  async discard(): Promise<void> {
    if (this.committed) return;
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await unlink(this.temp).catch(() => undefined);
  }
}

/**
 * Writes `data` to `finalPath` atomically and durably.
 * @example await writeFileAtomically('/data/_COMPLETED', '{}');
 */
export async function writeFileAtomically(finalPath: string, data: string | Uint8Array, options: AtomicFileOptions = {}): Promise<void> {
  const file = await AtomicFile.create(finalPath, options);
  try {
    await file.write(data);
    await file.commit();
  } catch (e) {
    await file.discard();
    throw e;
  }
}
