import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { concatMap, from, map, mergeMap, type Observable } from 'rxjs';
import { Sink, Source, type StageObserver } from 'tributary';
import { liveHeapBytes } from '../lib/heap';
import { drain, writableOf } from '../lib/peers';
import { items, type Item, type Variant, type Workload } from '../lib/workload';

/**
 * C: a fast source mapped to ~2 KB elements into a slow async sink that pauses 1 ms every 100 writes. Measures
 * throughput, peak RSS and peak live heap; the cap test runs it under a 64 MB heap limit.
 */
export interface Big {
  readonly id: number;
  readonly v: number;
  readonly payload: number[];
}

const PAYLOAD_LENGTH = 256; // 256 small integers × 8 bytes ≈ 2 KB on the JS heap

export function enlarge(e: Item): Big {
  const payload = new Array<number>(PAYLOAD_LENGTH);
  for (let i = 0; i < PAYLOAD_LENGTH; i++) payload[i] = (e.v + i) & 0xffff;
  return { id: e.id, v: e.v, payload };
}

/** The slow sink's write: resolves at once except every 100th call, which takes `setTimeout(1)`. */
export function slowWriter(): { write: (e: Big) => Promise<void>; readonly writes: number } {
  let writes = 0;
  return {
    write: () => (++writes % 100 === 0 ? new Promise<void>((resolve) => setTimeout(resolve, 1)) : Promise.resolve()),
    get writes() {
      return writes;
    },
  };
}

/** Bytes one `enlarge`d element keeps alive on the heap (measured with forced GCs). */
function elementBytes(k = 2000): number {
  const keep: Big[] = new Array<Big>(k);
  const before = liveHeapBytes();
  for (let i = 0; i < k; i++) keep[i] = enlarge({ id: i, v: i });
  const after = liveHeapBytes();
  if (keep.length !== k) throw new Error('unreachable');
  return (after - before) / k;
}

function tributary(parallelism: number): Variant {
  return async (n) => {
    let capacity = 0;
    const observer: StageObserver = { stageStarted: (s) => void (capacity += s.stats?.capacity ?? 0) };
    const w = slowWriter();
    await Source.from(items(n)).map(enlarge).runWith(Sink.forEachAsync(parallelism, w.write), { observer });
    return { count: w.writes, expected: n, metrics: { bufferCapacity: capacity } };
  };
}

function rxjs(operator: 'concatMap' | 'mergeMap'): Variant {
  return async (n) => {
    const w = slowWriter();
    const big: Observable<Big> = from(items(n)).pipe(map(enlarge));
    await drain(big.pipe(operator === 'concatMap' ? concatMap(w.write) : mergeMap(w.write, 8)), () => {});
    return { count: w.writes, expected: n };
  };
}

const nodeStreams: Variant = async (n) => {
  const w = slowWriter();
  await pipeline(
    Readable.from(items(n)),
    new Transform({ objectMode: true, transform: (e: Item, _, cb) => cb(null, enlarge(e)) }),
    writableOf(w.write),
  );
  return { count: w.writes, expected: n };
};

export const workloadC: Workload = {
  variants: {
    'tributary-p1': tributary(1),
    'tributary-p8': tributary(8),
    'rxjs-concatMap': rxjs('concatMap'),
    'rxjs-mergeMap8': rxjs('mergeMap'),
    'node-streams': nodeStreams,
  },
  prepare: async (heapMode): Promise<Record<string, number>> => (heapMode ? { elementBytes: elementBytes() } : {}),
};
