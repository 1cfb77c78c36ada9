/**
 * Closes an iterator a stopping stage no longer reads (a generator runs its `finally`). The stream is already
 * ending (cancelled, failed or completed), so an error thrown or rejected while closing has nowhere to go and is
 * dropped rather than thrown into whoever stopped the stage.
 */
export function closeIterator(iterator: Iterator<unknown> | AsyncIterator<unknown> | undefined): void {
  if (typeof iterator?.return !== 'function') return;
  try {
    const result: unknown = iterator.return();
    if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') Promise.resolve(result).catch(() => {});
  } catch {
    // See above: nowhere to report it.
  }
}
