/** A stream that had to produce an element was empty (`Sink.head`, `reduce`). */
export class NoSuchElementError extends Error {
  override readonly name = 'NoSuchElementError';
}

/** `limit(max)` saw more than `max` elements. */
export class StreamLimitReachedError extends Error {
  override readonly name = 'StreamLimitReachedError';
  constructor(readonly limit: number) {
    super(`stream limit of ${limit} elements exceeded`);
  }
}

/** A time-based guard (`idleTimeout`, `initialTimeout`, `completionTimeout`) expired. */
export class StreamTimeoutError extends Error {
  override readonly name = 'StreamTimeoutError';
}

/** `throttle` in `enforcing` mode received an element before the token bucket had the tokens for it. */
export class RateExceededError extends Error {
  override readonly name = 'RateExceededError';
}
