import { mark, mb, pct, rate, ratio, spread, table } from '../lib/format';
import { check, jobsFor, type Results, type Section, type Spec } from '../lib/spec';

const PEERS = ['rxjs', 'node-streams', 'async-gen'];
const MAIN = ['tributary', 'tributary+async16', ...PEERS];
/** Variants with added fused maps: [variant, base, maps added]. */
const STAGES: readonly (readonly [string, string, number])[] = [
  ['tributary', 'tributary', 0],
  ['tributary+1map', 'tributary', 1],
  ['tributary+2map', 'tributary', 2],
  ['tributary+4map', 'tributary', 4],
  ['rxjs', 'rxjs', 0],
  ['rxjs+4map', 'rxjs', 4],
];

function stageRow(r: Results, [variant, base, added]: readonly [string, string, number]): string[] {
  const x = r.rate(variant)?.median;
  const cost = added > 0 ? r.stageCost(variant, base, added) : undefined;
  return [
    variant,
    String(added),
    x === undefined ? 'n/a' : rate(x),
    x === undefined ? 'n/a' : (1e9 / x).toFixed(1),
    cost ? `${pct(cost.pct)} (${cost.ns.toFixed(1)} ns)` : '',
    cost ? mark(cost.pct <= 10) : '',
  ];
}

export const specA: Spec = {
  id: 'A',
  title: 'A — map → filter(50 %) → grouped(100) → count sink, {id, v} from a lazy generator',

  jobs: (o) =>
    jobsFor('A', [...new Set([...MAIN, ...STAGES.map(([v]) => v)])], {
      n: o.quick ? 1_000_000 : 10_000_000,
      mode: 'throughput',
      runs: o.runs ?? (o.quick ? 1 : 5),
      timeoutMs: 120_000,
    }),

  report(r: Results): Section {
    const main = table(
      ['variant', 'el/s median (min–max)', 'peak RSS MB', ...PEERS.map((p) => `vs ${p}`)],
      MAIN.map((v) => [v, spread(r.rate(v), rate), spread(r.rss(v), mb), ...PEERS.map((p) => ratio(r.ratio(v, p)))]),
    );
    const stages = table(
      ['variant', 'added maps', 'el/s median', 'ns/element', 'cost per added stage', '≤ 10 %'],
      STAGES.map((s) => stageRow(r, s)),
    );
    const checks = [
      check('A: tributary ≥ 0.66× raw RxJS', r.ratio('tributary', 'rxjs'), ratio, (x) => x >= 0.66),
      check('A: tributary ≥ 2.5× Node streams', r.ratio('tributary', 'node-streams'), ratio, (x) => x >= 2.5),
      ...STAGES.filter(([v, , k]) => k > 0 && v.startsWith('tributary')).map(([v, base, k]) =>
        check(`A: cost per added fused map ≤ 10 % (${v})`, r.stageCost(v, base, k)?.pct, pct, (x) => x <= 10),
      ),
      check('A: with an async boundary (buffer 16) ≥ 5 M el/s', r.rate('tributary+async16')?.median, rate, (x) => x >= 5e6),
    ];
    const note =
      'tributary+async16 adds .async(16) after the map. Added stages are non-allocating maps (e => { e.v += 1; return e })\n' +
      'after the first map; cost per stage = (base rate / rate − 1) / added stages, i.e. relative to the base time per element.';
    return { text: `${main}\n\nFused-stage cost:\n${stages}\n${note}`, checks };
  },
};
