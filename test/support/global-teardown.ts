import type { RunningTestService } from './test-services';
import { RUNNING_SERVICES } from './global-setup';

/** Stops the servers global setup started. */
export default async function globalTeardown(): Promise<void> {
  const running = (globalThis as Record<symbol, RunningTestService[] | undefined>)[RUNNING_SERVICES] ?? [];
  await Promise.allSettled(running.map((s) => s.stop()));
}
