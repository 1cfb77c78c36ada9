import { from, map, type Observable } from 'rxjs';
import { Sink, Source } from 'tributary';
import { drain } from '../lib/peers';
import { items, type Item, type Variant, type Workload } from '../lib/workload';

/**
 * G: a chain of `stages` maps (the first takes `v` out of the item, the rest add 1) into a counting sink, to
 * measure the cost of fusion per stage. The sum is checked too, so no stage can be skipped.
 */
const value = (e: Item): number => e.v;
const inc = (x: number): number => x + 1;

function expectedSum(n: number, stages: number): number {
  return (n * (n - 1)) / 2 + n * (stages - 1);
}

function check(n: number, stages: number, count: number, sum: number): { count: number; expected: number } {
  if (sum !== expectedSum(n, stages)) throw new Error(`G: sum ${sum} ≠ expected ${expectedSum(n, stages)}`);
  return { count, expected: n };
}

function tributary(stages: number): Variant {
  return async (n) => {
    let s = Source.from(items(n)).map(value);
    for (let i = 1; i < stages; i++) s = s.map(inc);
    let count = 0;
    let sum = 0;
    await s.runWith(
      Sink.forEach((x: number) => {
        count++;
        sum += x;
      }),
    );
    return check(n, stages, count, sum);
  };
}

function rxjs(stages: number): Variant {
  return async (n) => {
    let o: Observable<number> = from(items(n)).pipe(map(value));
    for (let i = 1; i < stages; i++) o = o.pipe(map(inc));
    let count = 0;
    let sum = 0;
    await drain(o, (x) => {
      count++;
      sum += x;
    });
    return check(n, stages, count, sum);
  };
}

export const workloadG: Workload = {
  variants: {
    'tributary-1': tributary(1),
    'tributary-10': tributary(10),
    'rxjs-1': rxjs(1),
    'rxjs-10': rxjs(10),
  },
};
