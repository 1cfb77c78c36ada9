/**
 * Where the lake sink writes files: Azure Blob Storage (`blobStore`) or a local folder (`localStore`). A store
 * makes a file visible only when it is complete, in one atomic step.
 */
import { requireSafePath } from '../../src/state/keys';

/** A file being written: invisible until `commit`. Calls are made one at a time. */
export interface FileUpload {
  /** Appends bytes (staged, not visible yet). */
  append(chunks: readonly Uint8Array[]): Promise<void>;
  /** Makes the file visible, with every byte appended, in one atomic step; durable once it resolves. */
  commit(): Promise<void>;
  /** Discards what was appended; the file never becomes visible. Never throws. */
  abort(): Promise<void>;
}

/**
 * A place for files, addressed by relative `/`-separated paths.
 * @example
 * const store: FileStore = localStore('./lake');
 * const upload = await store.create('data/orders/part-1.parquet', 'application/vnd.apache.parquet');
 * await upload.append([bytes]);
 * await upload.commit();
 */
export interface FileStore {
  /** For messages, e.g. `container 'lake'` or `folder '/var/lake'`. */
  readonly description: string;
  /** Starts a file that becomes visible at `path` only when committed. */
  create(path: string, contentType: string): Promise<FileUpload>;
  /** Writes a small file in one atomic step (schema files, completion markers). */
  put(path: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** Visible files whose path starts with `prefix`, sorted. */
  list(prefix?: string): Promise<string[]>;
  /** A visible file's bytes. */
  read(path: string): Promise<Uint8Array>;
}

/** Checks a relative file path: `/`-separated, no empty, `.` or `..` segments, no backslashes or control characters. */
export function requireRelativePath(op: string, path: string): string {
  return requireSafePath(op, 'path', path);
}
