import { PARALLELISM } from '../workloads/b-map-async';
import { mb, pct, rate, ratio, spread, table } from '../lib/format';
import { check, jobsFor, type Results, type Section, type Spec } from '../lib/spec';
import { summarize } from '../lib/stats';

const PEERS = ['rxjs-mergeMap', 'node-Readable.map'];
const ENGINE = ['tributary-ordered', 'tributary-unordered'];

export const specB: Spec = {
  id: 'B',
  title: `B — mapAsync(${PARALLELISM}) against a 1 ms timer service (setTimeout(1) inside the service)`,

  jobs: (o) =>
    jobsFor('B', [...ENGINE, ...PEERS], {
      n: o.quick ? 2_000 : 20_000,
      mode: 'throughput',
      runs: o.runs ?? (o.quick ? 1 : 3),
      timeoutMs: 120_000,
    }),

  report(r: Results): Section {
    const latencies = r.jobs.flatMap((j) => j.runs.map((x) => x.result?.metrics['timerLatencyMs']));
    const latency = summarize(latencies.filter((x): x is number => x !== undefined));
    const ideal = latency === undefined ? undefined : (PARALLELISM * 1000) / latency.median;
    const ofIdeal = (v: string): number | undefined => {
      const x = r.rate(v)?.median;
      return x === undefined || ideal === undefined ? undefined : (x / ideal) * 100;
    };
    const rows = [...ENGINE, ...PEERS].map((v) => [
      v,
      spread(r.rate(v), rate),
      pct(ofIdeal(v)),
      spread(r.rss(v), mb),
      ...PEERS.map((p) => ratio(r.ratio(v, p))),
    ]);
    const text =
      'setTimeout(1) latency, measured in each run\'s process before timing (200 sequential calls): ' +
      `${spread(latency, (x) => `${x.toFixed(3)} ms`)}\n` +
      `ideal = ${PARALLELISM} / median latency = ${ideal === undefined ? 'n/a' : rate(ideal)} el/s\n` +
      table(['variant', 'el/s median (min–max)', '% of ideal', 'peak RSS MB', ...PEERS.map((p) => `vs ${p}`)], rows);
    const checks = ENGINE.map((v) => check(`B: ${v} ≥ 95 % of ideal`, ofIdeal(v), pct, (x) => x >= 95));
    return { text, checks };
  },
};
