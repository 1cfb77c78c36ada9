import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { syncDirectory, writeFileAtomically } from './durable-fs';
import type { CheckpointSchema, CheckpointStore, Versioned } from './checkpoint-store';
import { CheckpointCodec } from './document';
import { CheckpointConflictError } from './errors';
import { requireCheckpointKey } from './keys';
import { KeyedSerializer } from './serializer';

/** Options of `FileCheckpointStore`. */
export interface FileCheckpointStoreOptions<T> {
  /** The directory holding one `<key>.json` file per key (created on first save). */
  readonly directory: string;
  readonly schema?: CheckpointSchema<T>;
}

/**
 * Checkpoints as JSON files on local disk: the embedded default for single-instance jobs and development.
 *
 * Writes are atomic and durable: the document goes to a temporary file in the same directory, which is fsynced,
 * renamed over the checkpoint and followed by an fsync of the directory. A process killed at any point
 * (`kill -9`) leaves either the previous or the new document, never a torn or empty file; temporary files of dead
 * processes are removed by the next writer. The version is the SHA-256 of the file's bytes.
 *
 * Saves and deletes of one file are serialized within the process (across all store instances), so the version
 * check and the write are one step. The store does not lock across processes: a directory must have one writing
 * process (run a single replica, or guard the job with a `Lease`).
 *
 * @example
 * const store = new FileCheckpointStore<CdcCheckpoint>({ directory: '/var/lib/tributary/checkpoints' });
 * const current = await store.load('sql-1/orders'); // reads /var/lib/tributary/checkpoints/sql-1/orders.json
 */
export class FileCheckpointStore<T> implements CheckpointStore<T> {
  private readonly directory: string;
  private readonly codec: CheckpointCodec<T>;
  private readonly preparedDirs = new Set<string>();

  constructor(options: FileCheckpointStoreOptions<T>) {
    if (typeof options?.directory !== 'string' || options.directory.length === 0) {
      throw new TypeError(`FileCheckpointStore: directory must be a non-empty path, got ${String(options?.directory)}`);
    }
    this.directory = path.resolve(options.directory);
    this.codec = new CheckpointCodec('FileCheckpointStore', options.schema);
  }

  /** The file `key` is stored in (each `/`-separated segment of the key is a URI-encoded path segment). */
  pathOf(key: string): string {
    const segments = requireCheckpointKey('FileCheckpointStore', key).split('/').map(encodeURIComponent);
    return `${path.join(this.directory, ...segments)}.json`;
  }

  async load(key: string): Promise<Versioned<T> | undefined> {
    const file = this.pathOf(key);
    const bytes = await readIfExists(file);
    return bytes === undefined ? undefined : { value: this.codec.decode(bytes.toString('utf8'), key, file), version: hash(bytes) };
  }

  async save(key: string, value: T, expectedVersion: string | undefined): Promise<string> {
    const file = this.pathOf(key);
    const text = this.codec.encode(value);
    return fileWriters.run(file, async () => {
      await this.expectVersion(key, file, expectedVersion);
      await this.writeAtomically(file, text);
      return hash(Buffer.from(text, 'utf8'));
    });
  }

  async delete(key: string, expectedVersion?: string): Promise<void> {
    const file = this.pathOf(key);
    return fileWriters.run(file, async () => {
      if (expectedVersion !== undefined) await this.expectVersion(key, file, expectedVersion);
      try {
        await unlink(file);
      } catch (e) {
        if (errorCode(e) === 'ENOENT') return;
        throw e;
      }
      await syncDirectory(path.dirname(file));
    });
  }

  private async expectVersion(key: string, file: string, expected: string | undefined): Promise<void> {
    const bytes = await readIfExists(file);
    const actual = bytes === undefined ? undefined : hash(bytes);
    if (actual !== expected) throw new CheckpointConflictError(key, expected, actual);
  }

  private async writeAtomically(file: string, text: string): Promise<void> {
    await this.prepareDirectory(path.dirname(file));
    await writeFileAtomically(file, text, { temp: `${file}.${process.pid}.tmp`, overwriteTemp: true });
  }

  /** Creates `dir` durably (new entries fsynced in their parents) and removes temp files of dead processes, once. */
  private async prepareDirectory(dir: string): Promise<void> {
    if (this.preparedDirs.has(dir)) return;
    const firstCreated = await mkdir(dir, { recursive: true });
    if (firstCreated !== undefined) {
      for (let d = dir; ; d = path.dirname(d)) {
        await syncDirectory(path.dirname(d));
        if (d === firstCreated || d === path.dirname(d)) break;
      }
    }
    for (const name of await readdir(dir)) {
      const pid = /\.json\.(\d+)\.tmp$/.exec(name)?.[1];
      if (pid !== undefined && Number(pid) !== process.pid && !isAlive(Number(pid))) {
        await unlink(path.join(dir, name)).catch(() => undefined);
      }
    }
    this.preparedDirs.add(dir);
  }
}

/** Saves and deletes of one file, serialized across all stores of this process (the check-then-write is one step). */
const fileWriters = new KeyedSerializer();

function hash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM';
  }
}

function errorCode(e: unknown): unknown {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}
