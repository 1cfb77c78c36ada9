/** Offsets as text for error messages (bigints and objects included; long lists shortened). */
export function describeOffsets(offsets: readonly unknown[], max = 10): string {
  const shown = offsets.slice(0, max).map(describeOffset).join(', ');
  return offsets.length > max ? `${shown}, … (${offsets.length} in all)` : shown;
}

function describeOffset(offset: unknown): string {
  try {
    return JSON.stringify(offset, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(offset);
  } catch {
    return String(offset);
  }
}

/** `Committable.commit` rejected or threw: the offsets it was given were not (known to be) committed. */
export class CommitFailedError extends Error {
  override readonly name = 'CommitFailedError';
  constructor(
    /** The offsets of the failed commit (one per partition). */
    readonly offsets: readonly unknown[],
    override readonly cause: unknown,
  ) {
    super(`commit of offsets [${describeOffsets(offsets)}] failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/**
 * A committer without a tracker received an offset lower (by `Committable.compare`) than one it already saw for
 * the same partition: acknowledgements arrive out of order, and committing the higher one would skip this one.
 */
export class OffsetOrderError extends Error {
  override readonly name = 'OffsetOrderError';
  constructor(
    readonly partition: string,
    readonly offset: unknown,
    readonly previous: unknown,
  ) {
    super(
      `offset ${describeOffsets([offset])} of partition '${partition}' arrived after the higher offset ` +
        `${describeOffsets([previous])}: acknowledgements are out of order; use Committer.track(…) after the source ` +
        'so the committer commits only the contiguous acknowledged prefix',
    );
  }
}

/** A tracked committer was acknowledged an offset that is not outstanding (it never passed the tracker, or was acknowledged twice). */
export class UntrackedOffsetError extends Error {
  override readonly name = 'UntrackedOffsetError';
  constructor(
    readonly partition: string,
    readonly offset: unknown,
  ) {
    super(
      `offset ${describeOffsets([offset])} of partition '${partition}' was acknowledged but is not outstanding: it ` +
        'never passed tracker.flow() (place it right after the source) or it was acknowledged twice',
    );
  }
}

/**
 * A tracked stream completed while offsets that passed the tracker were never acknowledged (a context was dropped
 * between the tracker and the committer): everything before the first gap of each partition was committed.
 */
export class UnacknowledgedOffsetsError extends Error {
  override readonly name = 'UnacknowledgedOffsetsError';
  constructor(
    /** Per partition, the offsets that passed the tracker and were never acknowledged, oldest first. */
    readonly unacknowledged: ReadonlyMap<string, readonly unknown[]>,
  ) {
    const parts = [...unacknowledged].map(([p, offsets]) => `partition '${p}': ${describeOffsets(offsets)}`);
    super(
      `the stream completed with offsets that passed the tracker but were never acknowledged (${parts.join('; ')}); ` +
        'nothing from the first of them on was committed',
    );
  }
}
