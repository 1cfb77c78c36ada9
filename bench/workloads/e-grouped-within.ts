import { KillSwitches, Keep, Sink, Source } from 'tributary';
import type { Variant, Workload } from '../lib/workload';

/**
 * E: `groupedWithin(100, 5 ms)` fed at a steady 50 000 el/s, measuring each element's latency from its creation to
 * the emission of its batch, optionally while another stream in the same process saturates the CPU
 * (`Source.repeat(…).map(…)` into `Sink.ignore()`). It checks that the engine yields often enough for timers and
 * paced sources to stay on time under load.
 */
export const RATE = 50_000;
export const BATCH = 100;
export const WINDOW_MS = 5;

interface Stamped {
  readonly seq: number;
  /** `performance.now()` when the element was created. */
  readonly created: number;
}

/**
 * A source paced by the scheduler: a 1 ms tick, each emitting the elements due since the start (so a late or
 * dropped tick is caught up by the next one, and the average rate stays `rate`). Completes after `n` elements.
 */
function paced(n: number, rate: number): Source<Stamped, unknown> {
  let emitted = 0;
  let start = -1;
  return Source.tick(0, 1, 0)
    .mapConcat(function* (): Generator<Stamped> {
      const now = performance.now();
      if (start < 0) start = now;
      const due = Math.min(n, Math.floor(((now - start) * rate) / 1000) + 1);
      while (emitted < due) yield { seq: emitted++, created: now };
    })
    .take(n);
}

/** The `q`-quantile of sorted `xs` (nearest rank). */
function quantile(xs: Float64Array, q: number): number {
  if (xs.length === 0) return Number.NaN;
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))]!;
}

function variant(loaded: boolean): Variant {
  return async (n) => {
    const latencies = new Float64Array(n);
    let count = 0;
    let batches = 0;
    let hogged = 0;
    const hog = loaded
      ? Source.repeat(1)
          .map((x) => x * 2 + 1)
          .map((x) => {
            hogged++;
            return x;
          })
          .viaMat(KillSwitches.single(), Keep.right)
          .toMat(Sink.ignore(), Keep.both)
          .run()
      : undefined;
    const t0 = performance.now();
    await paced(n, RATE)
      .groupedWithin(BATCH, WINDOW_MS)
      .runWith(
        Sink.forEach((batch: Stamped[]) => {
          const now = performance.now();
          batches++;
          for (const e of batch) latencies[count++] = now - e.created;
        }),
      );
    const seconds = (performance.now() - t0) / 1000;
    if (hog) {
      hog[0].shutdown();
      await hog[1];
    }
    const sorted = latencies.subarray(0, count).sort();
    return {
      count,
      expected: n,
      metrics: {
        p50Ms: quantile(sorted, 0.5),
        p99Ms: quantile(sorted, 0.99),
        maxMs: quantile(sorted, 1),
        achievedRate: count / seconds,
        meanBatch: count / Math.max(1, batches),
        hogElPerSec: hogged / seconds,
      },
    };
  };
}

export const workloadE: Workload = {
  variants: {
    'tributary-loaded': variant(true),
    'tributary-idle': variant(false),
  },
};
