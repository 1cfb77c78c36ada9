import { Readable } from 'node:stream';
import { from, mergeMap } from 'rxjs';
import { Sink, Source } from 'tributary';
import { drain } from '../lib/peers';
import { items, type Item, type Variant, type Workload } from '../lib/workload';

/**
 * B: mapAsync with parallelism 8 against a "service" that answers after `setTimeout(1)` (the timer lives in the
 * service, outside the engine). The ideal rate is 8 / (measured setTimeout(1) latency).
 */
export const PARALLELISM = 8;

/** The 1 ms service. */
export const service = (e: Item): Promise<Item> => new Promise((resolve) => setTimeout(resolve, 1, e));

/** Mean latency of `await setTimeout(1)` in this process, in ms (sequential calls, after a short warm-up). */
export async function timerLatencyMs(samples = 200): Promise<number> {
  const sleep = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));
  for (let i = 0; i < 10; i++) await sleep();
  const t0 = performance.now();
  for (let i = 0; i < samples; i++) await sleep();
  return (performance.now() - t0) / samples;
}

function tributary(ordered: boolean): Variant {
  return async (n) => {
    let count = 0;
    const src = Source.from(items(n));
    const mapped = ordered ? src.mapAsync(PARALLELISM, service) : src.mapAsyncUnordered(PARALLELISM, service);
    await mapped.runWith(Sink.forEach(() => void count++));
    return { count, expected: n };
  };
}

const rxjsMergeMap: Variant = async (n) => {
  let count = 0;
  await drain(from(items(n)).pipe(mergeMap(service, PARALLELISM)), () => void count++);
  return { count, expected: n };
};

const nodeReadableMap: Variant = async (n) => {
  let count = 0;
  for await (const _ of Readable.from(items(n)).map(service, { concurrency: PARALLELISM })) count++;
  return { count, expected: n };
};

export const workloadB: Workload = {
  variants: {
    'tributary-ordered': tributary(true),
    'tributary-unordered': tributary(false),
    'rxjs-mergeMap': rxjsMergeMap,
    'node-Readable.map': nodeReadableMap,
  },
  prepare: async () => ({ timerLatencyMs: await timerLatencyMs() }),
};
