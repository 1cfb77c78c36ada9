import { HeapSampler } from './lib/heap';
import { RESULT_MARKER, type ChildResult, type Mode } from './lib/protocol';
import { WORKLOADS } from './workloads';

/** Runs one (workload, variant) once in this process: `node child.js <workload> <variant> <n> <mode>`. */
async function main(): Promise<void> {
  const [workloadId = '', variantId = '', nText = '', mode = 'throughput'] = process.argv.slice(2);
  const workload = WORKLOADS[workloadId];
  const variant = workload?.variants[variantId];
  const n = Number(nText);
  if (!workload || !variant || !Number.isInteger(n) || n < 1) {
    throw new Error(`usage: child.js <workload> <variant> <n> [mode]; got ${process.argv.slice(2).join(' ')}`);
  }
  const heapMode = (mode as Mode) === 'heap';
  const prepared = (await workload.prepare?.(heapMode)) ?? {};
  const sampler = heapMode ? new HeapSampler() : undefined;
  const t0 = process.hrtime.bigint();
  const outcome = await variant(n);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const heap = sampler?.stop();
  const result: ChildResult = {
    count: outcome.count,
    expected: outcome.expected,
    seconds,
    elPerSec: n / seconds,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    ...(heap ? { heap } : {}),
    metrics: { ...prepared, ...outcome.metrics },
  };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
