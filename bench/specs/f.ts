import { mark, mb, rate, spread, table } from '../lib/format';
import { check, jobsFor, type Results, type Section, type Spec } from '../lib/spec';
import type { RunRecord } from '../lib/spawn';

const VARIANTS = ['tributary-restart', 'tributary-restart-committer', 'tributary-resume'];
/**
 * Allowed live-heap difference between the checkpoint (n/10) and the end (n): about 1 KB per failure over the 90
 * failures in between. Measurement noise is a few tens of KB; a stage that kept each finished inner source's port
 * (no pruning of closed sub-ports) already shows about +0.2 MB.
 */
const TOLERANCE_MB = 0.1;

const metric = (name: string) => (run: RunRecord): number | undefined => run.result?.metrics[name];
const growth = (run: RunRecord): number | undefined => {
  const m = run.result?.metrics;
  const a = m?.['heapAtCheckpointMB'];
  const b = m?.['heapAtEndMB'];
  return a === undefined || b === undefined ? undefined : b - a;
};

export const specF: Spec = {
  id: 'F',
  title: 'F — a failure every 10k elements: RestartSource (plain, and with a committer) and supervision resume (mapAsync)',

  jobs: (o) =>
    jobsFor('F', VARIANTS, {
      n: o.quick ? 200_000 : 1_000_000,
      mode: 'heap',
      runs: o.runs ?? (o.quick ? 1 : 3),
      timeoutMs: 180_000,
    }),

  report(r: Results): Section {
    const n = r.jobs[0]?.job.n ?? 0;
    const at = (n / 10).toLocaleString('en-US');
    const rows = VARIANTS.map((v) => {
      const g = r.summary(v, growth, 'heap');
      const failures = r.summary(v, (run) => metric('restarts')(run) ?? metric('resumed')(run), 'heap');
      return [
        v,
        failures === undefined ? 'n/a' : failures.median.toFixed(0),
        spread(r.summary(v, metric('heapAtCheckpointMB'), 'heap'), mb),
        spread(r.summary(v, metric('heapAtEndMB'), 'heap'), mb),
        spread(g, (x) => (x >= 0 ? '+' : '') + x.toFixed(2)),
        g === undefined ? 'n/a' : mark(g.max <= TOLERANCE_MB),
        spread(r.rate(v, 'heap'), rate),
      ];
    });
    const text =
      table(
        ['variant', 'failures', `live heap @${at} MB`, `live heap @${n.toLocaleString('en-US')} MB`, 'difference MB', `≤ ${TOLERANCE_MB} MB`, 'el/s (with GCs)'],
        rows,
      ) +
      '\nLive heap = heapUsed right after global.gc(), taken from inside the sink at element n/10 and at the last\n' +
      'element (node --expose-gc). el/s includes those GCs and the 100 ms heap sampler: indicative only.';
    const checks = VARIANTS.map((v) =>
      check(
        `F: ${v} live heap after ${n.toLocaleString('en-US')} ≈ after ${at} (difference ≤ ${TOLERANCE_MB} MB in every run)`,
        r.summary(v, growth, 'heap')?.max,
        (x) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} MB`,
        (x) => x <= TOLERANCE_MB,
      ),
    );
    return { text, checks };
  },
};
