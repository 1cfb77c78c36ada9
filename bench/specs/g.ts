import { mb, pct, rate, ratio, spread, table } from '../lib/format';
import { check, jobsFor, type Results, type Section, type Spec } from '../lib/spec';

const VARIANTS = ['tributary-1', 'tributary-10', 'rxjs-1', 'rxjs-10'];

/** Cost of each of the 9 maps the 10-map chain adds over the 1-map chain. */
const nineMore = (r: Results, engine: string) => r.stageCost(`${engine}-10`, `${engine}-1`, 9);

export const specG: Spec = {
  id: 'G',
  title: 'G — chain of map stages (1 vs 10) into a counting sink, {id, v} from a lazy generator',

  jobs: (o) =>
    jobsFor('G', VARIANTS, {
      n: o.quick ? 1_000_000 : 10_000_000,
      mode: 'throughput',
      runs: o.runs ?? (o.quick ? 1 : 5),
      timeoutMs: 120_000,
    }),

  report(r: Results): Section {
    const main = table(
      ['variant', 'el/s median (min–max)', 'peak RSS MB', 'ns/element', 'vs rxjs-10'],
      VARIANTS.map((v) => {
        const x = r.rate(v)?.median;
        const ns = x === undefined ? 'n/a' : (1e9 / x).toFixed(1);
        return [v, spread(r.rate(v), rate), spread(r.rss(v), mb), ns, ratio(r.ratio(v, 'rxjs-10'))];
      }),
    );
    const costs = ['tributary', 'rxjs'].map((e) => {
      const c = nineMore(r, e);
      return `${e}: each of the 9 added maps costs ${pct(c?.pct)} of the 1-map time per element (${c?.ns.toFixed(1)} ns)`;
    });
    const checks = [
      check('G: tributary 10 maps ≥ 0.66× raw RxJS 10 maps', r.ratio('tributary-10', 'rxjs-10'), ratio, (x) => x >= 0.66),
      check('G: cost per added fused map ≤ 10 %', nineMore(r, 'tributary')?.pct, pct, (x) => x <= 10),
    ];
    return { text: `${main}\n${costs.join('\n')}`, checks };
  },
};
