import { Materializer, type BufferStats, type MaterializerSettings, type StageInfo, type SubstreamStats } from 'tributary';

/** A materializer recording every stage that exposes stats, to read counters by stage name. */
export function observed(settings: MaterializerSettings = {}): {
  readonly materializer: Materializer;
  stats<S extends BufferStats = SubstreamStats>(name: string): S;
} {
  const stages: StageInfo[] = [];
  const materializer = new Materializer({ ...settings, observer: { stageStarted: (s) => void (s.stats && stages.push(s)) } });
  return {
    materializer,
    stats<S extends BufferStats>(name: string): S {
      const stage = stages.find((s) => s.name === name);
      if (!stage) throw new Error(`no stage '${name}' with stats among ${stages.map((s) => s.name).join(', ')}`);
      return stage.stats as S;
    },
  };
}

/** A source of 0, 1, 2, … that counts how many elements were pulled from it. */
export function counting(): { readonly pulled: () => number; readonly make: () => Iterable<number> } {
  let n = 0;
  return {
    pulled: () => n,
    make: () => ({
      *[Symbol.iterator]() {
        for (;;) yield n++;
      },
    }),
  };
}
