import { mb, rate, ratio, spread, table } from '../lib/format';
import { check, jobsFor, type Results, type Section, type Spec } from '../lib/spec';
import type { RunRecord } from '../lib/spawn';

const PEER = 'json-stringify';
const VARIANTS = [PEER, 'tributary-batches', 'tributary-ndjson', 'tributary-arrow-ipc-stream', 'tributary-arrow-ipc-file', 'tributary-parquet'];

const bytesPerRow = (run: RunRecord): number | undefined => run.result?.metrics['bytesPerRow'];

export const specR: Spec = {
  id: 'R',
  title: 'R — CDC-like rows (10 columns) → toRecordBatches(10k rows) → each format into a byte-counting lake sink (250k-row files), vs JSON.stringify per row',

  jobs: (o) =>
    jobsFor('R', VARIANTS, {
      n: o.quick ? 100_000 : 1_000_000,
      mode: 'throughput',
      runs: o.runs ?? (o.quick ? 1 : 3),
      timeoutMs: 300_000,
    }),

  report(r: Results): Section {
    const rows = VARIANTS.map((v) => {
      const b = r.summary(v, bytesPerRow)?.median;
      const peerBytes = r.summary(PEER, bytesPerRow)?.median;
      return [
        v,
        spread(r.rate(v), rate),
        b === undefined ? 'n/a' : b.toFixed(1),
        b === undefined || peerBytes === undefined ? 'n/a' : `${((b / peerBytes) * 100).toFixed(0)} %`,
        spread(r.rss(v), mb),
        ratio(r.ratio(v, PEER)),
      ];
    });
    const text =
      table(['variant', 'rows/s median (min–max)', 'bytes/row', 'size vs JSON', 'peak RSS MB', `speed vs ${PEER}`], rows) +
      '\nbytes/row: encoded file bytes (tributary-batches: Arrow buffers in memory; json-stringify: UTF-8 NDJSON lines).\n' +
      'Every variant generates the same rows lazily (the generator is part of each time). Parquet: Snappy, dictionary on.';
    const checks = [
      check('R: parquet files ≤ 50 % of the JSON bytes per row', ratioOf(r, 'tributary-parquet'), (x) => `${(x * 100).toFixed(0)} %`, (x) => x <= 0.5),
    ];
    return { text, checks };
  },
};

function ratioOf(r: Results, variant: string): number | undefined {
  const a = r.summary(variant, bytesPerRow)?.median;
  const b = r.summary(PEER, bytesPerRow)?.median;
  return a === undefined || b === undefined ? undefined : a / b;
}
