import { mark, mb, rate, spread, table } from '../lib/format';
import { check, jobsFor, type Check, type Results, type Section, type Spec } from '../lib/spec';
import type { RunRecord } from '../lib/spawn';

const ENGINE = ['tributary-p1', 'tributary-p8'];
const VARIANTS = [...ENGINE, 'rxjs-concatMap', 'rxjs-mergeMap8', 'node-streams'];
const CAP_N = 300_000;
const SLACK_MB = 5;

const heapAtStart = (run: RunRecord): number | undefined => run.result?.heap?.baselineMB;
const heapPeak = (run: RunRecord): number | undefined => run.result?.heap?.peakMB;
const heapGrowth = (run: RunRecord): number | undefined => {
  const h = run.result?.heap;
  return h ? h.peakMB - h.baselineMB : undefined;
};

/** Σ(buffer capacities) × element size + 5 MB, from the engine's BufferStats and the measured element size. */
function bound(r: Results, variant: string): number | undefined {
  const metrics = r.get(variant, 'heap')?.runs.find((x) => x.ok)?.result?.metrics;
  const capacity = metrics?.['bufferCapacity'];
  const bytes = metrics?.['elementBytes'];
  return capacity === undefined || bytes === undefined ? undefined : (capacity * bytes) / 2 ** 20 + SLACK_MB;
}

function capCell(r: Results, variant: string): string {
  const run = r.get(variant, 'cap')?.runs[0];
  if (!run) return 'n/a';
  return run.ok ? `PASS (RSS ${mb(run.result!.maxRssMB)} MB)` : `FAIL (${run.failure ?? 'failed'})`;
}

function row(r: Results, variant: string): string[] {
  const b = bound(r, variant);
  const growth = r.summary(variant, heapGrowth, 'heap')?.median;
  return [
    variant,
    spread(r.rate(variant), rate),
    spread(r.rss(variant), mb),
    spread(r.summary(variant, heapAtStart, 'heap'), mb),
    spread(r.summary(variant, heapPeak, 'heap'), mb),
    growth === undefined ? 'n/a' : mb(growth),
    b === undefined ? '' : `${mb(b)} ${growth === undefined ? '' : mark(growth <= b)}`,
    capCell(r, variant),
  ];
}

function engineChecks(r: Results, variant: string): Check[] {
  const b = bound(r, variant) ?? NaN;
  return [
    check(
      `C: ${variant} live heap growth ≤ Σ(capacity × element) + ${SLACK_MB} MB`,
      r.summary(variant, heapGrowth, 'heap')?.median,
      (x) => `${mb(x)} MB ≤ ${mb(b)} MB`,
      (x) => x <= b,
    ),
    {
      target: `C: ${variant} passes ${CAP_N / 1000}k × 2 KB under a 64 MB heap`,
      value: capCell(r, variant),
      met: r.get(variant, 'cap')?.runs[0]?.ok === true,
    },
  ];
}

export const specC: Spec = {
  id: 'C',
  title: 'C — fast source → map to ~2 KB elements → slow async sink (1 ms pause every 100 writes)',

  jobs: (o) => {
    const settings = { n: o.quick ? 10_000 : 100_000, runs: o.runs ?? (o.quick ? 1 : 3), timeoutMs: 180_000 };
    return [
      ...jobsFor('C', VARIANTS, { ...settings, mode: 'throughput' }),
      ...jobsFor('C', VARIANTS, { ...settings, mode: 'heap' }),
      ...jobsFor('C', VARIANTS, { n: CAP_N, mode: 'cap', runs: 1, timeoutMs: 120_000 }),
    ];
  },

  report(r: Results): Section {
    const headers = ['variant', 'el/s median (min–max)', 'peak RSS MB', 'heap at start MB', 'peak live heap MB'];
    const text =
      table([...headers, 'growth MB', 'bound MB', `${CAP_N / 1000}k @ 64 MB heap`], VARIANTS.map((v) => row(r, v))) +
      '\nel/s and RSS come from runs without heap sampling; the heap columns from separate runs under --expose-gc\n' +
      'where a harness timer samples global.gc() + heapUsed every 100 ms. growth = peak − live heap at start (after\n' +
      `imports); bound = Σ(BufferStats capacities of the materialized stages) × measured element size + ${SLACK_MB} MB.\n` +
      `The cap test runs ${CAP_N / 1000}k elements once under node --max-old-space-size=64.`;
    return { text, checks: ENGINE.flatMap((v) => engineChecks(r, v)) };
  },
};
