import { ClosedShape, Broadcast, Flow, GraphDSL, RunnableGraph, Sink, Source, Zip } from 'tributary';
import { items, type Item, type Outcome, type Variant, type Workload } from '../lib/workload';

/**
 * D: the same work as a graph and as a linear chain. Graph: source → Broadcast(2) → map(left) / map(right) →
 * Zip → counting sink. Linear: the two maps and the pairing fused in one chain — `map(left)` keeping the item,
 * then `map(right)` making the pair — so the difference is what fan-out and fan-in cost. The sink sums both
 * sides of every pair, so nothing can be skipped or mismatched.
 */
const left = (e: Item): number => e.v * 2;
const right = (e: Item): number => e.id + 1;

/** Σ left + Σ right over ids 0 … n−1 (v = id): 2·Σi + Σ(i+1) = 3·n(n−1)/2 + n. */
const expectedSum = (n: number): number => (3 * n * (n - 1)) / 2 + n;

function counting(n: number): { sink: Sink<readonly [number, number], Promise<void>>; outcome(): Outcome } {
  let count = 0;
  let sum = 0;
  const sink = Sink.forEach((p: readonly [number, number]) => {
    count++;
    sum += p[0] + p[1];
  });
  return {
    sink,
    outcome: () => {
      if (count === n && sum !== expectedSum(n)) throw new Error(`D: sum ${sum} ≠ expected ${expectedSum(n)}`);
      return { count, expected: n };
    },
  };
}

const graph: Variant = async (n) => {
  const { sink, outcome } = counting(n);
  const g = GraphDSL.createWithMat([sink] as const, (done) => done, (b, out) => {
    const bcast = b.add(Broadcast.create<Item>(2));
    const zip = b.add(Zip.create<number, number>());
    b.from(Source.from(items(n))).to(bcast.in);
    b.from(bcast.out(0)).via(Flow.create<Item>().map(left)).to(zip.in0);
    b.from(bcast.out(1)).via(Flow.create<Item>().map(right)).to(zip.in1);
    b.from(zip.out).to(out);
    return ClosedShape;
  });
  await RunnableGraph.fromGraph(g).run();
  return outcome();
};

const linear: Variant = async (n) => {
  const { sink, outcome } = counting(n);
  await Source.from(items(n))
    .map((e): readonly [number, Item] => [left(e), e])
    .map(([a, e]): readonly [number, number] => [a, right(e)])
    .runWith(sink);
  return outcome();
};

export const workloadD: Workload = {
  variants: { 'tributary-graph': graph, 'tributary-linear': linear },
};
