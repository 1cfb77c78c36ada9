/** A stored checkpoint and the version it was read at (an opaque token: a counter, content hash or ETag). */
export interface Versioned<T> {
  readonly value: T;
  readonly version: string;
}

/**
 * Durable, versioned checkpoints addressed by key (one document per key). Writes use optimistic concurrency:
 * `save` succeeds only if the stored version is still `expectedVersion`, so a writer that lost a race gets a
 * `CheckpointConflictError` instead of silently overwriting the winner.
 *
 * Values are stored as JSON documents with a schema version (`CheckpointSchema`); a document written by a newer
 * schema version is refused with a `CheckpointFormatError`.
 *
 * @example
 * const current = await store.load('orders');                    // undefined on first start
 * const version = await store.save('orders', next, current?.version);
 */
export interface CheckpointStore<T> {
  /** Reads the checkpoint, or `undefined` if there is none. */
  load(key: string): Promise<Versioned<T> | undefined>;
  /**
   * Writes `value` if the stored version is `expectedVersion` (`undefined`: only if no checkpoint exists) and
   * returns the new version. Fails with `CheckpointConflictError` otherwise.
   */
  save(key: string, value: T, expectedVersion: string | undefined): Promise<string>;
  /**
   * Removes the checkpoint. With `expectedVersion`, only if it is still that version (else
   * `CheckpointConflictError`); without, unconditionally. Removing a missing checkpoint without a version is a
   * no-op.
   */
  delete(key: string, expectedVersion?: string): Promise<void>;
}

/** How checkpoint documents are versioned; passed to every store. */
export interface CheckpointSchema<T> {
  /** The schema version written into each document (a positive integer; default 1). */
  readonly version?: number;
  /**
   * Converts a value written by an older schema version. Without it, older documents are refused like newer
   * ones, so a format change is never read by accident.
   */
  readonly upgrade?: (value: unknown, fromVersion: number) => T;
}
