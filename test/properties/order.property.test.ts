import fc from 'fast-check';
import { filter as rxFilter, pairwise } from 'rxjs';
import { Flow, Keep, OverflowStrategy } from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';
import { RUNS, chunks, play, steps, watchedMaterializer } from './arbitraries';

interface Case {
  readonly name: string;
  /** Builds the flow from a random size parameter (1..6). */
  readonly flow: (k: number) => Flow<number, unknown, unknown>;
  /** What the flow must emit, in order, for input `xs`. */
  readonly model: (xs: number[], k: number) => unknown[];
}

const cases: Case[] = [
  { name: 'map', flow: () => Flow.create<number>().map((x) => x * 3), model: (xs) => xs.map((x) => x * 3) },
  { name: 'filter', flow: (k) => Flow.create<number>().filter((x) => x % k !== 0), model: (xs, k) => xs.filter((x) => x % k !== 0) },
  { name: 'grouped', flow: (k) => Flow.create<number>().grouped(k), model: (xs, k) => chunks(xs, k) },
  { name: 'buffer(backpressure)', flow: (k) => Flow.create<number>().buffer(k, OverflowStrategy.backpressure), model: (xs) => xs },
  { name: 'async', flow: (k) => Flow.create<number>().async(k), model: (xs) => xs },
  {
    name: 'fromOperator',
    flow: () => Flow.fromOperator<number, [number, number]>(pairwise()),
    model: (xs) => xs.slice(1).map((x, i) => [xs[i], x]),
  },
  {
    name: 'map → buffer → filter → async → grouped',
    flow: (k) =>
      Flow.create<number>()
        .map((x) => x + 1)
        .buffer(k, OverflowStrategy.backpressure)
        .via(Flow.fromOperator<number, number>(rxFilter((x) => x % 2 === 0)))
        .async(k + 1)
        .grouped(2),
    model: (xs) =>
      chunks(
        xs.map((x) => x + 1).filter((x) => x % 2 === 0),
        2,
      ),
  },
];

describe('order is preserved and nothing is lost or duplicated, under random demand', () => {
  it.each(cases)('$name', ({ flow, model }) => {
    fc.assert(
      fc.property(steps(), fc.integer({ min: 1, max: 6 }), (plan, k) => {
        const watch = watchedMaterializer();
        const [src, sink] = TestSource.probe<number>()
          .via(flow(k))
          .toMat(TestSink.probe<unknown>(), Keep.both)
          .run(watch.materializer);
        const sent = play(plan, src, sink);
        const expected = model(sent, k);
        expect(sink.expectNextN(expected.length)).toEqual(expected);
        sink.expectComplete();
        expect(watch.overCapacity()).toEqual([]);
      }),
      RUNS,
    );
  });

  it('take(n) emits exactly the first n and cancels upstream', () => {
    fc.assert(
      fc.property(steps(), fc.integer({ min: 1, max: 10 }), (plan, n) => {
        const [src, sink] = TestSource.probe<number>().take(n).toMat(TestSink.probe<number>(), Keep.both).run();
        const sent: number[] = [];
        for (const step of plan) {
          if (step.kind === 'request') sink.request(step.n);
          else if (!src.isCancelled) src.sendNext(sent.push(sent.length) - 1);
        }
        if (!src.isCancelled) src.sendComplete();
        sink.request(n + 1);
        const expected = sent.slice(0, n);
        expect(sink.expectNextN(expected.length)).toEqual(expected);
        sink.expectComplete();
        expect(src.isCancelled).toBe(sent.length >= n);
      }),
      RUNS,
    );
  });
});
