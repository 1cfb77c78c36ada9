import fc from 'fast-check';
import { map, of, timer } from 'rxjs';
import { Flow, Keep, OverflowStrategy, Sink, Source } from 'tributary';
import { TestClock, TestSink, TestSource, expectBounded } from 'tributary/testing';
import { RUNS, play, steps, watchedMaterializer } from './arbitraries';

/** One buffering stage of a random chain: its kind and capacity. */
interface Hop {
  readonly kind: 'buffer' | 'async' | 'mapAsync' | 'mapAsyncUnordered';
  readonly size: number;
}

const hops = fc.array(
  fc.record({
    kind: fc.constantFrom<Hop['kind']>('buffer', 'async', 'mapAsync', 'mapAsyncUnordered'),
    size: fc.integer({ min: 1, max: 8 }),
  }),
  { minLength: 1, maxLength: 4 },
);

/** The chain of hops, with a fused `map` after each (fused stages hold nothing). */
function chain(path: readonly Hop[]): Flow<number, number, unknown> {
  let flow = Flow.create<number>();
  for (const { kind, size } of path) {
    if (kind === 'buffer') flow = flow.buffer(size, OverflowStrategy.backpressure);
    else if (kind === 'async') flow = flow.async(size);
    else if (kind === 'mapAsync') flow = flow.mapAsync(size, (x) => of(x));
    else flow = flow.mapAsyncUnordered(size, (x) => of(x));
    flow = flow.map((x) => x);
  }
  return flow;
}

const capacity = (path: readonly Hop[]): number => path.reduce((sum, h) => sum + h.size, 0);

describe('boundedness', () => {
  it('a fast source into a slow probe never has more outstanding than the buffers hold', () => {
    fc.assert(
      fc.property(hops, fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 40 }), (path, requests) => {
        let pulled = 0;
        function* numbers(): Generator<number> {
          for (let i = 0; i < 500; i++) {
            pulled++;
            yield i;
          }
        }
        const watch = watchedMaterializer();
        const sink = Source.from(numbers()).via(chain(path)).toMat(TestSink.probe<number>(), Keep.right).run(watch.materializer);
        const bound = capacity(path);
        let received = 0;
        const check = (): void => {
          received += sink.unread;
          sink.expectNextN(sink.unread);
          expect(pulled - received).toBeLessThanOrEqual(bound);
        };
        check();
        for (const n of requests) {
          sink.request(n);
          check();
        }
        expect(watch.overCapacity()).toEqual([]);
        sink.cancel();
      }),
      RUNS,
    );
  });

  it('expectBounded holds for random chains in front of a slow consumer (virtual time)', async () => {
    await fc.assert(
      fc.asyncProperty(hops, async (path) => {
        const clock = new TestClock();
        const graph = Source.range(1, 120)
          .via(chain(path))
          .mapAsync(1, (x) => timer(1, clock).pipe(map(() => x)))
          .toMat(Sink.seq<number>(), Keep.right);
        const check = expectBounded(graph, { maxBuffered: capacity(path) + 1, materializer: { scheduler: clock } });
        clock.advance(1_000);
        const report = await check;
        expect(report.stages).toHaveLength(path.length + 1);
      }),
      { numRuns: 30 },
    );
  });

  describe.each(['dropHead', 'dropTail', 'dropBuffer', 'dropNew'] as const)('buffer(%s)', (strategy) => {
    it('emits an ordered subsequence of its input and never holds more than its capacity', () => {
      fc.assert(
        fc.property(steps(), fc.integer({ min: 1, max: 5 }), (plan, size) => {
          const watch = watchedMaterializer();
          const [src, sink] = TestSource.probe<number>()
            .buffer(size, OverflowStrategy[strategy])
            .toMat(TestSink.probe<number>(), Keep.both)
            .run(watch.materializer);
          const sent = play(plan, src, sink, () => expect(src.pending).toBe(0)); // a dropping buffer never backpressures
          const out = sink.received;
          sink.expectNextN(out.length);
          sink.expectComplete();
          expect(out.every((x, i) => i === 0 || x > out[i - 1]!)).toBe(true);
          expect(out.every((x) => sent.includes(x))).toBe(true);
          expect(watch.stages).toHaveLength(1);
          expect(watch.overCapacity()).toEqual([]);
        }),
        RUNS,
      );
    });
  });
});
