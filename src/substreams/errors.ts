function show(key: unknown): string {
  try {
    return typeof key === 'string' ? JSON.stringify(key) : String(key);
  } catch {
    return '(unprintable key)';
  }
}

/**
 * `groupBy` with `overflow: 'fail'` met a new key while `maxSubstreams` substreams were open (Akka's
 * `TooManySubstreamsOpenException`).
 */
export class TooManySubstreamsError extends Error {
  override readonly name = 'TooManySubstreamsError';
  constructor(
    readonly maxSubstreams: number,
    readonly key: unknown,
  ) {
    super(`groupBy: cannot open a substream for key ${show(key)}: maxSubstreams (${maxSubstreams}) substreams are open`);
  }
}

/** The tail source of `prefixAndTail` was not materialized in time (Akka's `SubscriptionTimeoutException`). */
export class SubscriptionTimeoutError extends Error {
  override readonly name = 'SubscriptionTimeoutError';
}

/** A source that may run only once (the tail of `prefixAndTail`) was materialized a second time. */
export class AlreadyMaterializedError extends Error {
  override readonly name = 'AlreadyMaterializedError';
}
