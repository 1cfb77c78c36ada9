/** A checkpoint changed since it was read: another writer saved it first (optimistic concurrency). */
export class CheckpointConflictError extends Error {
  override readonly name = 'CheckpointConflictError';
  constructor(
    /** The checkpoint's key. */
    readonly key: string,
    /** The version the writer expected (`undefined`: expected no checkpoint). */
    readonly expectedVersion: string | undefined,
    /** What the store holds now, when known (`undefined`: no checkpoint, or unknown). */
    readonly actualVersion: string | undefined,
    detail?: string,
  ) {
    super(
      `checkpoint '${key}' was changed by another writer (expected ${versionText(expectedVersion)}` +
        (actualVersion === undefined ? '' : `, found ${versionText(actualVersion)}`) +
        (detail === undefined ? '' : `; ${detail}`) +
        '): reload it before writing again',
    );
  }
}

/** A stored checkpoint cannot be read: not a checkpoint document, or written by a newer schema version. */
export class CheckpointFormatError extends Error {
  override readonly name = 'CheckpointFormatError';
  constructor(
    /** The checkpoint's key. */
    readonly key: string,
    /** Where the document is stored (file path, blob URL). */
    readonly location: string,
    reason: string,
  ) {
    super(`checkpoint '${key}' (${location}) ${reason}`);
  }
}

/**
 * This process no longer owns the lease: a renewal was refused, no renewal succeeded in time, or the storage
 * rejected a write made under it. Transient: another replica owns the work now, and this one may come back as a
 * standby (the host exits with code 2).
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  /** Marks the error as transient for the hosting layer (restart, exit code 2). */
  readonly transient = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

function versionText(version: string | undefined): string {
  return version === undefined ? 'no checkpoint' : `version ${version}`;
}
