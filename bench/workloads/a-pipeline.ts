import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { bufferCount, filter, from, map, type Observable } from 'rxjs';
import { Sink, Source } from 'tributary';
import { drain, writableOf } from '../lib/peers';
import { items, type Item, type Outcome, type Variant, type Workload } from '../lib/workload';

/**
 * A: map → filter(50 %) → grouped(100) → count sink over `{id, v}` from a lazy generator (per-element engine
 * overhead on the fused path). Extra stages (`+k`) are non-allocating maps inserted after the first map, so the
 * difference measures the engine's cost per fused stage rather than the allocator's.
 */
const GROUP = 100;
const double = (e: Item): Item => ({ id: e.id, v: e.v * 2 });
const even = (e: Item): boolean => (e.id & 1) === 0;
const bump = (e: Item): Item => {
  e.v += 1;
  return e;
};

const outcome = (n: number, count: number): Outcome => ({ count, expected: Math.ceil(n / 2) });

function tributary(extraMaps: number, asyncBuffer?: number): Variant {
  return async (n) => {
    let s = Source.from(items(n)).map(double);
    for (let i = 0; i < extraMaps; i++) s = s.map(bump);
    if (asyncBuffer !== undefined) s = s.async(asyncBuffer);
    let count = 0;
    await s
      .filter(even)
      .grouped(GROUP)
      .runWith(Sink.forEach((g: Item[]) => (count += g.length)));
    return outcome(n, count);
  };
}

function rxjs(extraMaps: number): Variant {
  return async (n) => {
    let o: Observable<Item> = from(items(n)).pipe(map(double));
    for (let i = 0; i < extraMaps; i++) o = o.pipe(map(bump));
    let count = 0;
    await drain(o.pipe(filter(even), bufferCount(GROUP)), (g) => (count += g.length));
    return outcome(n, count);
  };
}

const nodeStreams: Variant = async (n) => {
  let group: Item[] = [];
  let count = 0;
  await pipeline(
    Readable.from(items(n)),
    new Transform({ objectMode: true, transform: (e: Item, _, cb) => cb(null, double(e)) }),
    new Transform({ objectMode: true, transform: (e: Item, _, cb) => (even(e) ? cb(null, e) : cb()) }),
    new Transform({
      objectMode: true,
      transform(e: Item, _, cb) {
        group.push(e);
        if (group.length < GROUP) return cb();
        const full = group;
        group = [];
        cb(null, full);
      },
      flush(cb) {
        cb(null, group.length > 0 ? group : undefined);
      },
    }),
    writableOf((g: Item[]) => void (count += g.length)),
  );
  return outcome(n, count);
};

async function* mapGen<A, B>(src: AsyncIterable<A> | Iterable<A>, f: (a: A) => B): AsyncGenerator<B> {
  for await (const x of src) yield f(x);
}
async function* filterGen<A>(src: AsyncIterable<A>, p: (a: A) => boolean): AsyncGenerator<A> {
  for await (const x of src) if (p(x)) yield x;
}
async function* groupedGen<A>(src: AsyncIterable<A>, size: number): AsyncGenerator<A[]> {
  let group: A[] = [];
  for await (const x of src) {
    group.push(x);
    if (group.length === size) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}

const asyncGenerators: Variant = async (n) => {
  let count = 0;
  for await (const g of groupedGen(filterGen(mapGen(items(n), double), even), GROUP)) count += g.length;
  return outcome(n, count);
};

export const workloadA: Workload = {
  variants: {
    tributary: tributary(0),
    'tributary+1map': tributary(1),
    'tributary+2map': tributary(2),
    'tributary+4map': tributary(4),
    'tributary+async16': tributary(0, 16),
    rxjs: rxjs(0),
    'rxjs+4map': rxjs(4),
    'node-streams': nodeStreams,
    'async-gen': asyncGenerators,
  },
};
