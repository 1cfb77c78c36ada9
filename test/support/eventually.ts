/**
 * Waits until `check` stops throwing (or returns or resolves to anything but `false`), polling every few ms, for
 * results that arrive over a real network with no event to await; fails with the last error after `timeoutMs`.
 */
export async function eventually(check: () => unknown, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown = new Error(`condition not met within ${timeoutMs} ms: ${check.toString()}`);
    try {
      if ((await check()) !== false) return;
    } catch (e) {
      failure = e;
    }
    if (Date.now() > deadline) throw failure;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
