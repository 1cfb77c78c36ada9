import { testServices, type RunningTestService } from './test-services';

/** Where global setup leaves the running services for global teardown (both run in jest's main process). */
export const RUNNING_SERVICES = Symbol.for('tributary.test.runningServices');

/** Starts every shared test server and exports how to reach them through `process.env` (workers inherit it). */
export default async function globalSetup(): Promise<void> {
  const started = await Promise.allSettled(testServices.map((service) => service.start()));
  const running = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  (globalThis as Record<symbol, RunningTestService[]>)[RUNNING_SERVICES] = running;
  const failed = started.flatMap((r, i) => (r.status === 'rejected' ? [`${testServices[i]?.name}: ${String(r.reason)}`] : []));
  if (failed.length > 0) {
    await Promise.allSettled(running.map((s) => s.stop()));
    throw new Error(`test services failed to start: ${failed.join('; ')}`);
  }
  for (const service of running) Object.assign(process.env, service.env);
}
