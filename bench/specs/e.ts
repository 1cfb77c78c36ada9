import { BATCH, RATE, WINDOW_MS } from '../workloads/e-grouped-within';
import { rate, spread, table } from '../lib/format';
import { check, jobsFor, type Results, type Section, type Spec } from '../lib/spec';
import type { RunRecord } from '../lib/spawn';

const VARIANTS = ['tributary-loaded', 'tributary-idle'];
const TARGET_P99_MS = 10;

const metric = (name: string) => (run: RunRecord): number | undefined => run.result?.metrics[name];
const ms = (x: number): string => `${x.toFixed(2)} ms`;

export const specE: Spec = {
  id: 'E',
  title:
    `E — groupedWithin(${BATCH}, ${WINDOW_MS} ms) at a steady ${RATE / 1000}k el/s (1 ms scheduler tick), ` +
    'batch latency from element creation to batch emission; "loaded": another stream saturates the CPU meanwhile',

  jobs: (o) =>
    jobsFor('E', VARIANTS, {
      n: o.quick ? 50_000 : 500_000,
      mode: 'throughput',
      runs: o.runs ?? (o.quick ? 1 : 3),
      timeoutMs: 120_000,
    }),

  report(r: Results): Section {
    const rows = VARIANTS.map((v) => [
      v,
      spread(r.summary(v, metric('p50Ms')), ms),
      spread(r.summary(v, metric('p99Ms')), ms),
      spread(r.summary(v, metric('maxMs')), ms),
      spread(r.summary(v, metric('achievedRate')), rate),
      spread(r.summary(v, metric('meanBatch')), (x) => x.toFixed(1)),
      spread(r.summary(v, metric('hogElPerSec')), rate),
    ]);
    const text =
      table(['variant', 'p50', 'p99', 'max', 'paced el/s', 'mean batch', 'CPU-hog el/s'], rows) +
      '\nlatency per element = batch emission time − element creation time (performance.now()); p99 median over runs.';
    const checks = [
      check(
        `E: p99 batch latency under CPU load < ${TARGET_P99_MS} ms`,
        r.summary('tributary-loaded', metric('p99Ms'))?.median,
        ms,
        (x) => x < TARGET_P99_MS,
      ),
      check(
        `E: paced rate under CPU load ≥ 95 % of ${RATE / 1000}k el/s`,
        r.summary('tributary-loaded', metric('achievedRate'))?.median,
        rate,
        (x) => x >= 0.95 * RATE,
      ),
    ];
    return { text, checks };
  },
};
