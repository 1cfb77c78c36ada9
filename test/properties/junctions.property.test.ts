import fc from 'fast-check';
import {
  Balance,
  Broadcast,
  ClosedShape,
  GraphDSL,
  Merge,
  MergePreferred,
  MergePrioritized,
  OverflowStrategy,
  Flow,
  Partition,
  RunnableGraph,
  type Graph,
  type Shape,
} from 'tributary';
import { TestSink, TestSource, type SinkProbe } from 'tributary/testing';
import { probeJunction } from '../graph/junctions/harness';
import { RUNS, watchedMaterializer } from './arbitraries';

/** A random step against a junction: input `port` offers its next element, or output `port` requests `n`. */
type Step = { readonly kind: 'send'; readonly port: number } | { readonly kind: 'request'; readonly port: number; readonly n: number };

const stepsFor = (ports: number): fc.Arbitrary<Step[]> =>
  fc.array(
    fc.oneof(
      fc.integer({ min: 0, max: ports - 1 }).map<Step>((port) => ({ kind: 'send', port })),
      fc.record({ port: fc.integer({ min: 0, max: ports - 1 }), n: fc.integer({ min: 1, max: 4 }) }).map<Step>((r) => ({ kind: 'request', ...r })),
    ),
    { maxLength: 80 },
  );

/** Everything a completed probe received (asserting the completion). */
function drain<T>(probe: SinkProbe<T>): T[] {
  const got = probe.received;
  probe.expectNextN(probe.unread - 1);
  probe.expectComplete();
  return got;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const isIncreasing = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || xs[i - 1]! < x);

describe('fan-out junctions lose and duplicate nothing under random demand', () => {
  /**
   * Drives one source probe into an `n`-output junction with random sends and per-output requests; every step
   * checks that at most one element is inside the junction: pulled from the source and not yet `delivered` (a
   * count of the elements that left, from how many each output received).
   * At the end the source completes and every output drains. Returns what each output received.
   */
  function runFanOut(junction: Graph<Shape, unknown>, plan: readonly Step[], delivered: (counts: number[]) => number): { sent: number[]; got: number[][] } {
    const { ins: [src], outs } = probeJunction<number, number>(junction);
    const sent: number[] = [];
    const check = (): void => {
      const pulled = sent.length - src!.pending;
      expect(pulled - delivered(outs.map((o) => o.received.length))).toBeLessThanOrEqual(1);
    };
    for (const step of plan) {
      if (step.kind === 'send') src!.sendNext(sent.push(sent.length) - 1);
      else outs[step.port % outs.length]!.request(step.n);
      check();
    }
    src!.sendComplete();
    for (const o of outs) o.request(sent.length + 1);
    return { sent, got: outs.map(drain) };
  }

  it('Broadcast: every output receives every element, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), stepsFor(4), (n, plan) => {
        const { sent, got } = runFanOut(Broadcast.create<number>(n), plan, (counts) => Math.min(...counts));
        for (const out of got) expect(out).toEqual(sent);
      }),
      RUNS,
    );
  });

  it('Partition: each output receives exactly its elements, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1000 }), stepsFor(4), (n, salt, plan) => {
        const route = (x: number): number => ((x * 7919 + salt) >>> 0) % n;
        const { sent, got } = runFanOut(Partition.create<number>(n, route), plan, sum);
        got.forEach((out, i) => expect(out).toEqual(sent.filter((x) => route(x) === i)));
      }),
      RUNS,
    );
  });

  it('Balance: every element reaches exactly one output, each output in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.boolean(), stepsFor(4), (n, waitForAll, plan) => {
        const { sent, got } = runFanOut(Balance.create<number>(n, { waitForAllDownstreams: waitForAll }), plan, sum);
        expect(sorted(got.flat())).toEqual(sent);
        for (const out of got) expect(isIncreasing(out)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('merging junctions lose and duplicate nothing under random demand', () => {
  const merges: readonly [string, (n: number) => Graph<Shape, unknown>][] = [
    ['Merge', (n) => Merge.create<number>(n)],
    ['MergePreferred', (n) => MergePreferred.create<number>(n)], // n secondaries + the preferred input
    ['MergePrioritized', (n) => MergePrioritized.create<number>(Array.from({ length: n }, (_, i) => i + 1))],
  ];

  it.each(merges)('%s: the output is exactly the inputs’ elements, each input’s in order', (_, create) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), stepsFor(5), (k, plan) => {
        const { ins, outs: [out] } = probeJunction<number, number>(create(k));
        const n = ins.length;
        const sent: number[][] = ins.map(() => []);
        let next = 0;
        const check = (): void => {
          const pulled = ins.reduce((sum, src, i) => sum + sent[i]!.length - src.pending, 0);
          expect(pulled - out!.received.length).toBeLessThanOrEqual(n); // at most one element per input inside
        };
        for (const step of plan) {
          if (step.kind === 'send') {
            const i = step.port % n;
            sent[i]!.push(next);
            ins[i]!.sendNext(next++);
          } else out!.request(step.n);
          check();
        }
        for (const src of ins) src.sendComplete();
        const got = drain(out!.request(next + 1));
        expect(sorted(got)).toEqual(sorted(sent.flat()));
        for (const own of sent) expect(got.filter((x) => own.includes(x))).toEqual(own);
      }),
      RUNS,
    );
  });
});

describe('bounded buffers under a slow branch', () => {
  it('Broadcast with a buffered slow branch: outstanding elements never exceed the buffer plus one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.oneof(fc.constant<'send' | 'fast' | 'slow'>('send'), fc.constant<'send' | 'fast' | 'slow'>('fast'), fc.constant<'send' | 'fast' | 'slow'>('slow')), {
          maxLength: 120,
        }),
        (size, plan) => {
          const watch = watchedMaterializer();
          const graph = GraphDSL.createWithMat(
            [TestSource.probe<number>(), TestSink.probe<number>(), TestSink.probe<number>()] as const,
            (src, fast, slow) => ({ src, fast, slow }),
            (b, src, fast, slow) => {
              const bcast = b.add(Broadcast.create<number>(2));
              b.from(src).to(bcast.in);
              b.from(bcast.out(0)).to(fast);
              b.from(bcast.out(1)).via(Flow.create<number>().buffer(size, OverflowStrategy.backpressure)).to(slow);
              return ClosedShape;
            },
          );
          const { src, fast, slow } = RunnableGraph.fromGraph(graph).run(watch.materializer);
          let sent = 0;
          for (const step of plan) {
            if (step === 'send') src.sendNext(sent++);
            else if (step === 'fast') fast.request(3); // the fast branch asks often and for more
            else slow.request(1);
            const pulled = sent - src.pending;
            expect(pulled - slow.received.length).toBeLessThanOrEqual(size + 1); // the buffer, plus one in broadcast
            expect(fast.received.length - slow.received.length).toBeLessThanOrEqual(size + 1);
          }
          expect(watch.overCapacity()).toEqual([]);
          expect(watch.stages.map((s) => s.stats!.peak).every((p) => p <= size)).toBe(true);
        },
      ),
      RUNS,
    );
  });
});
