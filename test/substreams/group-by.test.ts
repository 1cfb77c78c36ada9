import { Flow, Keep, Sink, Source, StageFailure, Supervision, TooManySubstreamsError, type NotUsed } from 'tributary';
import { TestClock, TestSink, TestSource } from 'tributary/testing';
import { counting, observed } from './helpers';

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

describe('groupBy', () => {
  it('applies the SubFlow operators to every substream and merges them back', async () => {
    const sums = await Source.range(1, 10)
      .groupBy(3, (x) => x % 3)
      .fold(0, (acc, x) => acc + x)
      .mergeSubstreams()
      .runWith(Sink.seq());
    expect(sorted(sums)).toEqual([15, 18, 22]);
  });

  it('keeps the order of elements within a key', async () => {
    const out = await Source.range(1, 30)
      .groupBy(4, (x) => x % 4)
      .map((x) => [x % 4, x] as const)
      .mergeSubstreams()
      .runWith(Sink.seq());
    for (let k = 0; k < 4; k++) {
      const ofKey = out.filter(([key]) => key === k).map(([, x]) => x);
      expect(ofKey).toEqual(sorted(ofKey));
      expect(ofKey).toHaveLength(k === 0 ? 7 : k <= 2 ? 8 : 7);
    }
  });

  it('keeps the parent materialized value (Flow and Source)', () => {
    const [up, sink] = TestSource.probe<number>()
      .groupBy(2, (x) => x % 2)
      .map((x) => x * 10)
      .mergeSubstreams()
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(2);
    up.sendNext(1).sendNext(2);
    expect(sorted(sink.expectNextN(2))).toEqual([10, 20]);
  });

  it('emits only on demand and backpressures the parent when a substream does not pull (one element held)', () => {
    const { materializer, stats } = observed();
    const [up, sink] = TestSource.probe<number>()
      .groupBy(4, (x) => x % 2)
      .mergeSubstreams()
      .toMat(TestSink.probe<number>(), Keep.both)
      .run(materializer);
    sink.request(1);
    up.sendNext(1); // key 1: emitted
    sink.expectNext(1);
    up.sendNext(3); // key 1 again: waits in its substream's merge inlet (downstream has no demand)
    up.sendNext(5); // key 1: its substream has not pulled: held in the stage, the parent is not pulled any more
    up.expectNoRequest();
    up.sendNext(2); // stays in the probe
    expect(up.pending).toBe(1);
    const s = stats('groupBy');
    expect(s.buffered).toBeLessThanOrEqual(s.capacity);
    sink.request(1).expectNext(3);
    sink.request(1).expectNext(5);
    sink.request(1).expectNext(2);
    expect(up.pending).toBe(0);
  });

  it('is bounded: a stalled downstream pulls at most one element per open substream plus one', async () => {
    const src = counting();
    const sink = Source.from(src.make())
      .groupBy(3, (x) => x % 3)
      .map((x) => x)
      .mergeSubstreams()
      .runWith(TestSink.probe<number>());
    sink.request(1);
    await new Promise((r) => setImmediate(r));
    expect(sink.expectNextN(1)).toEqual([0]);
    // 0 emitted, then 1, 2, 3 held by the three substreams' merge inlets, and 4 waiting for substream 1.
    expect(src.pulled()).toBeLessThanOrEqual(3 + 1 + 1);
    sink.cancel();
  });

  it("fails with TooManySubstreamsError naming the limit and the key under overflow 'fail' (the default)", () => {
    const [up, sink] = TestSource.probe<string>()
      .groupBy(2, (s) => s)
      .mergeSubstreams()
      .toMat(TestSink.probe<string>(), Keep.both)
      .run();
    sink.request(10);
    up.sendNext('a').sendNext('b').sendNext('c');
    expect(sink.expectNextN(2)).toEqual(['a', 'b']);
    const failure = sink.expectFailure() as StageFailure;
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure.stage).toBe('groupBy');
    const cause = failure.cause as TooManySubstreamsError;
    expect(cause).toBeInstanceOf(TooManySubstreamsError);
    expect(cause.maxSubstreams).toBe(2);
    expect(cause.key).toBe('c');
    expect(cause.message).toMatch(/key "c".*maxSubstreams \(2\)/);
    up.expectCancellation();
  });

  it("waits for a substream to finish (here: idle out) under overflow 'backpressure'", () => {
    const clock = new TestClock();
    const [up, sink] = TestSource.probe<string>()
      .groupBy(2, (s) => s[0], { overflow: 'backpressure', idleTimeoutMs: 100 })
      .mergeSubstreams()
      .toMat(TestSink.probe<string>(clock), Keep.both)
      .run(clock.materializer());
    sink.request(10);
    up.sendNext('a1').sendNext('b1').sendNext('c1');
    expect(sink.expectNextN(2)).toEqual(['a1', 'b1']);
    up.expectNoRequest(); // 'c1' waits for a free substream
    up.sendNext('a2'); // stays in the probe: the parent is not pulled
    expect(up.pending).toBe(1);
    sink.expectNoMessage(99);
    clock.advance(1); // 'a' and 'b' idle out: 'c1' gets a substream, then 'a2' a new one for 'a'
    expect(sink.expectNextN(2)).toEqual(['c1', 'a2']);
    up.sendComplete();
    sink.expectComplete();
  });

  it("releases a key when its substream completes: a later element opens a new substream (no key retention)", async () => {
    const { materializer, stats } = observed();
    // 5 000 distinct keys with maxSubstreams 4: each substream completes after one element (take(1)).
    const out = await Source.range(1, 5_000)
      .groupBy(4, (x) => `key-${x}`)
      .take(1)
      .mergeSubstreams()
      .runWith(Sink.fold(0, (n) => n + 1), materializer);
    expect(out).toBe(5_000);
    const s = stats('groupBy');
    expect(s.substreamsOpened).toBe(5_000);
    expect(s.openSubstreams).toBe(0);
    expect(s.liveSubstreams).toBe(0);
  });

  it('re-opens a substream for a key whose substream cancelled while its next element waited', () => {
    const [up, sink] = TestSource.probe<number>()
      .groupBy(2, () => 'k')
      .take(2)
      .fold([] as number[], (acc, x) => [...acc, x])
      .mergeSubstreams()
      .toMat(TestSink.probe<number[]>(), Keep.both)
      .run();
    sink.request(10);
    up.sendNext(1).sendNext(2).sendNext(3).sendComplete();
    expect(sink.expectNextN(2)).toEqual([[1, 2], [3]]);
    sink.expectComplete();
  });

  it('completes idle substreams after idleTimeoutMs (on the scheduler) and releases their keys', () => {
    const clock = new TestClock();
    const { materializer, stats } = observed({ scheduler: clock });
    const [up, sink] = TestSource.probe<string>()
      .groupBy(8, (s) => s[0], { idleTimeoutMs: 100 })
      .fold('', (acc, s) => acc + s)
      .mergeSubstreams()
      .toMat(TestSink.probe<string>(clock), Keep.both)
      .run(materializer);
    sink.request(10);
    up.sendNext('a1').sendNext('b1');
    clock.advance(60);
    up.sendNext('a2'); // keeps 'a' busy
    expect(stats('groupBy').openSubstreams).toBe(2);
    sink.expectNoMessage(39); // t = 99
    clock.advance(11); // t = 110: 'b' idle since 0 → completed at 100
    expect(sink.expectNextN(1)).toEqual(['b1']);
    expect(stats('groupBy').openSubstreams).toBe(1);
    clock.advance(60); // t = 170: 'a' idle since 60 → completed at 160
    expect(sink.expectNextN(1)).toEqual(['a1a2']);
    expect(stats('groupBy').openSubstreams).toBe(0);
    up.sendNext('a3'); // a new substream for 'a'
    up.sendComplete();
    expect(sink.expectNextN(1)).toEqual(['a3']);
    sink.expectComplete();
  });

  it('does not idle out a substream that is slow (its next element waits for it)', () => {
    const clock = new TestClock();
    const [up, sink] = TestSource.probe<number>()
      .groupBy(2, () => 0, { idleTimeoutMs: 100 })
      .mergeSubstreams()
      .toMat(TestSink.probe<number>(clock), Keep.both)
      .run(clock.materializer());
    sink.request(1);
    up.sendNext(1).sendNext(2).sendNext(3); // 2 in the merge inlet, 3 waits for the substream
    sink.expectNext(1);
    clock.advance(500);
    sink.request(2).expectNext(2, 3);
    up.sendComplete();
    sink.expectComplete();
  });

  it('hashes keys into lanes with { hashLanes }: any number of keys, at most n substreams, order kept per key', async () => {
    const { materializer, stats } = observed();
    const out = await Source.range(0, 999)
      .groupBy(4, (x) => `user-${x % 100}`, { overflow: { hashLanes: 4 } })
      .map((x) => x)
      .mergeSubstreams()
      .runWith(Sink.seq(), materializer);
    expect(sorted(out)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (let k = 0; k < 100; k++) {
      const ofKey = out.filter((x) => x % 100 === k);
      expect(ofKey).toEqual(sorted(ofKey));
    }
    expect(stats('groupBy').substreamsOpened).toBeLessThanOrEqual(4);
  });

  it('mergeSubstreamsWithParallelism(n) runs at most n substreams at once', () => {
    const { materializer, stats } = observed();
    const [up, sink] = TestSource.probe<number>()
      .groupBy(10, (x) => x)
      .mergeSubstreamsWithParallelism(2)
      .toMat(TestSink.probe<number>(), Keep.both)
      .run(materializer);
    sink.request(1);
    up.sendNext(1).sendNext(2).sendNext(3);
    expect(stats('groupBy').liveSubstreams).toBe(2);
    up.expectNoRequest();
    up.sendComplete();
    sink.request(5);
    expect(sorted(sink.expectNextN(3))).toEqual([1, 2, 3]);
    sink.expectComplete();
  });

  it('concatSubstreams emits one substream after the other (a new key waits for the running substream)', async () => {
    const out = await Source.from([1, 2, 11, 12, 3])
      .groupBy(2, (x) => (x > 10 ? 'big' : 'small'))
      .take(2)
      .concatSubstreams()
      .runWith(Sink.seq());
    expect(out).toEqual([1, 2, 11, 12, 3]);
  });

  it('completes only when upstream and every substream completed', () => {
    const [up, sink] = TestSource.probe<number>()
      .groupBy(2, (x) => x % 2)
      .mergeSubstreams()
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    up.sendNext(1).sendNext(2).sendComplete();
    sink.expectNoMessage();
    sink.request(2);
    expect(sorted(sink.expectNextN(2))).toEqual([1, 2]);
    sink.expectComplete();
  });

  it('fails when upstream fails, passing the error on and cancelling the substreams', async () => {
    const ended: Promise<void>[] = [];
    const [up, sink] = TestSource.probe<number>()
      .groupBy(2, (x) => x % 2)
      .watchTermination((_, done) => void ended.push(done))
      .mergeSubstreams()
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(2);
    up.sendNext(1).sendNext(2);
    expect(sorted(sink.expectNextN(2))).toEqual([1, 2]);
    const boom = new Error('upstream');
    up.sendError(boom);
    expect(sink.expectError()).toBe(boom);
    expect(ended).toHaveLength(2);
    await Promise.all(ended.map((d) => expect(d).rejects.toBeDefined()));
  });

  it('fails when a substream fails, with the failing stage named, and cancels upstream', () => {
    const [up, sink] = TestSource.probe<number>()
      .groupBy(2, (x) => x % 2)
      .map((x) => {
        if (x === 3) throw new Error('bad element');
        return x;
      })
      .mergeSubstreams()
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(5);
    up.sendNext(1).sendNext(3);
    sink.expectNext(1);
    const failure = sink.expectFailure() as StageFailure;
    expect(failure.stage).toBe('map');
    expect(failure.path).toMatch(/groupBy#\d+\/map#\d+/);
    up.expectCancellation();
  });

  it('fails with a StageFailure when keyFn throws, or drops the element under supervision', async () => {
    const failure = await Source.from([1, 2])
      .groupBy(2, (x) => {
        if (x === 2) throw new Error('no key');
        return x;
      })
      .mergeSubstreams()
      .runWith(Sink.seq())
      .then(() => undefined, (e: unknown) => e as StageFailure);
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure!.stage).toBe('groupBy');
    expect(String(failure!.cause)).toMatch(/no key/);
    const resumed = await Source.from([1, 2, 3])
      .groupBy(
        2,
        (x) => {
          if (x === 2) throw new Error('no key');
          return x % 2;
        },
        { supervision: Supervision.resumingDecider },
      )
      .mergeSubstreams()
      .runWith(Sink.seq());
    expect(sorted(resumed)).toEqual([1, 3]);
  });

  it('cancelling downstream cancels upstream and completes every substream (resources released once)', async () => {
    const ended: Promise<void>[] = [];
    const [up, sink] = TestSource.probe<number>()
      .groupBy(3, (x) => x % 3)
      .watchTermination((_, done) => void ended.push(done))
      .mergeSubstreams()
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(3);
    up.sendNext(1).sendNext(2).sendNext(3);
    sink.expectNextN(3);
    sink.cancel();
    up.expectCancellation();
    expect(ended).toHaveLength(3);
    await Promise.all(ended);
  });

  it('works inside a Flow and on nested SubFlows', async () => {
    const perParity = Source.range(1, 8)
      .groupBy(2, (x) => x % 2)
      .groupBy(2, (x) => x > 4)
      .fold(0, (a, x) => a + x)
      .mergeSubstreams()
      .fold(0, (a, x) => a + x)
      .mergeSubstreams();
    expect(sorted(await perParity.runWith(Sink.seq()))).toEqual([16, 20]);
  });

  it('is available on a Flow (returning a Flow) and accepts via(flow) per substream', async () => {
    const perKey: Flow<number, number, NotUsed> = Flow.create<number>()
      .groupBy(2, (x) => x % 2)
      .via(Flow.create<number>().map((x) => x * 10))
      .named('perKey')
      .reduce((a, b) => a + b)
      .mergeSubstreams();
    expect(sorted(await Source.range(1, 4).via(perKey).runWith(Sink.seq()))).toEqual([40, 60]);
  });

  it('validates its arguments at blueprint creation', () => {
    const s = Source.single(1);
    expect(() => s.groupBy(0, (x) => x)).toThrow(/groupBy: maxSubstreams must be a positive integer, got 0/);
    expect(() => s.groupBy(2, 'x' as never)).toThrow(/groupBy: keyFn must be a function/);
    expect(() => s.groupBy(2, (x) => x, { overflow: { hashLanes: 3 } })).toThrow(
      /groupBy: overflow.hashLanes must be at most maxSubstreams \(2\), got 3/,
    );
    expect(() => s.groupBy(2, (x) => x, { overflow: 'drop' as never })).toThrow(/groupBy: overflow must be/);
    expect(() => s.groupBy(2, (x) => x, { idleTimeoutMs: -1 })).toThrow(/groupBy: idleTimeoutMs must be/);
    expect(() => s.groupBy(2, (x) => x).mergeSubstreamsWithParallelism(0)).toThrow(
      /mergeSubstreamsWithParallelism: parallelism must be a positive integer, got 0/,
    );
  });
});
