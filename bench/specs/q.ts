import { mb, rate, spread, table } from '../lib/format';
import { jobsFor, type Results, type Section, type Spec } from '../lib/spec';
import type { RunRecord } from '../lib/spawn';

const VARIANTS = ['tributary-page-100', 'tributary-page-1000', 'tributary-page-5000'];

const rowsPerSec = (run: RunRecord): number | undefined => run.result?.metrics['rowsPerSec'];
const peak = (run: RunRecord): number | undefined => run.result?.heap?.peakMB;
const added = (run: RunRecord): number | undefined => {
  const p = run.result?.heap?.peakMB;
  const base = run.result?.metrics['heapAfterSetupMB'];
  return p === undefined || base === undefined ? undefined : p - base;
};

export const specQ: Spec = {
  id: 'Q',
  title: 'Q — SQL Server CDC source: simulator → TDS → mssql → source → counting sink, checkpoints to files, by page size',

  jobs: (o) => [
    ...jobsFor('Q', VARIANTS, { n: o.quick ? 20_000 : 200_000, mode: 'throughput', runs: o.runs ?? (o.quick ? 1 : 3), timeoutMs: 240_000 }),
    // Heap runs force a full GC every 100 ms over the simulator's rows: a smaller n keeps them short.
    ...jobsFor('Q', VARIANTS, { n: o.quick ? 10_000 : 50_000, mode: 'heap', runs: 1, timeoutMs: 240_000 }),
  ],

  report(r: Results): Section {
    const text =
      table(
        ['page size', 'rows/s (streaming only)', 'peak RSS MB', 'live heap after setup MB', 'peak live heap MB', 'added by streaming MB'],
        VARIANTS.map((v) => [
          v.replace('tributary-page-', ''),
          spread(r.summary(v, rowsPerSec), rate),
          spread(r.rss(v), mb),
          spread(r.summary(v, (run) => run.result?.metrics['heapAfterSetupMB'], 'heap'), mb),
          spread(r.summary(v, peak, 'heap'), mb),
          spread(r.summary(v, added, 'heap'), mb),
        ]),
      ) +
      '\nThe simulator (holding every change row) and the TDS server run in the measuring process: "after setup" is\n' +
      'their heap; "added by streaming" is what reading, decoding and committing took on top of it (heap runs sample\n' +
      'every 100 ms after a forced GC).';
    return { text, checks: [] };
  },
};
