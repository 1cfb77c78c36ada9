import { mb, rate, ratio, spread, table } from '../lib/format';
import { jobsFor, type Results, type Section, type Spec } from '../lib/spec';

const VARIANTS = ['tributary-graph', 'tributary-linear'];

export const specD: Spec = {
  id: 'D',
  title: 'D — source → Broadcast(2) → map / map → Zip → count sink, vs the same work as a linear chain',

  jobs: (o) =>
    jobsFor('D', VARIANTS, {
      n: o.quick ? 1_000_000 : 10_000_000,
      mode: 'throughput',
      runs: o.runs ?? (o.quick ? 1 : 5),
      timeoutMs: 180_000,
    }),

  report(r: Results): Section {
    const main = table(
      ['variant', 'el/s median (min–max)', 'peak RSS MB', 'ns/element', 'vs linear'],
      VARIANTS.map((v) => {
        const x = r.rate(v)?.median;
        return [v, spread(r.rate(v), rate), spread(r.rss(v), mb), x === undefined ? 'n/a' : (1e9 / x).toFixed(1), ratio(r.ratio(v, 'tributary-linear'))];
      }),
    );
    const cost = r.stageCost('tributary-graph', 'tributary-linear', 1);
    const note =
      'linear = map(e => [left(e), e]) → map(([a, e]) => [a, right(e)]): the two maps and the pairing, fused.\n' +
      `graph − linear = ${cost ? `${cost.ns.toFixed(1)} ns per element` : 'n/a'} (Broadcast, Zip and two junction hops).`;
    return { text: `${main}\n${note}`, checks: [] };
  },
};
