import { Keep, Sink, Source, StageFailure, Supervision } from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';
import { counting, observed } from './helpers';

const collect = <T>(acc: T[], x: T): T[] => [...acc, x];

describe('splitWhen', () => {
  it('starts a substream with each element the predicate holds for', async () => {
    const out = await Source.from([1, 2, 0, 3, 4, 0, 5])
      .splitWhen((x) => x === 0)
      .fold([] as number[], collect)
      .concatSubstreams()
      .runWith(Sink.seq());
    expect(out).toEqual([[1, 2], [0, 3, 4], [0, 5]]);
  });

  it('does not emit an empty substream when the first element matches', async () => {
    const out = await Source.from([0, 1, 0])
      .splitWhen((x) => x === 0)
      .fold([] as number[], collect)
      .concatSubstreams()
      .runWith(Sink.seq());
    expect(out).toEqual([[0, 1], [0]]);
  });

  it('backpressures the parent while the open substream does not pull', () => {
    const [up, sink] = TestSource.probe<number>()
      .splitWhen((x) => x === 0)
      .mergeSubstreams()
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(1);
    up.sendNext(1).sendNext(2).sendNext(3); // 1 emitted, 2 in the merge inlet, 3 waits for the substream
    sink.expectNext(1);
    up.expectNoRequest();
    sink.request(2).expectNext(2, 3);
    up.expectRequest();
  });

  it('is bounded: with a stalled downstream at most `parallelism` substreams hold an element', async () => {
    const src = counting();
    const { materializer, stats } = observed();
    const sink = Source.from(src.make())
      .splitWhen(() => true)
      .mergeSubstreamsWithParallelism(3)
      .runWith(TestSink.probe<number>(), materializer);
    sink.request(1);
    await new Promise((r) => setImmediate(r));
    sink.expectNext(0);
    expect(src.pulled()).toBe(5); // 0 emitted, three substreams holding 1, 2, 3, and 4 waiting for room
    expect(stats('splitWhen').liveSubstreams).toBe(3);
    sink.request(2);
    expect(sink.expectNextN(2)).toEqual([1, 2]);
    sink.cancel();
  });

  it('drops the elements up to the next split after a substream cancelled (drain)', async () => {
    const out = await Source.from([0, 1, 2, 0, 3, 4])
      .splitWhen((x) => x === 0)
      .take(2)
      .fold([] as number[], collect)
      .concatSubstreams()
      .runWith(Sink.seq());
    expect(out).toEqual([[0, 1], [0, 3]]);
  });

  it('fails with a StageFailure when the predicate throws, or drops the element under supervision', async () => {
    const predicate = (x: number): boolean => {
      if (x === 2) throw new Error('bad predicate');
      return x === 3;
    };
    const failure = await Source.from([1, 2, 3])
      .splitWhen(predicate)
      .concatSubstreams()
      .runWith(Sink.seq())
      .then(() => undefined, (e: unknown) => e as StageFailure);
    expect(failure?.stage).toBe('splitWhen');
    const resumed = await Source.from([1, 2, 3, 4])
      .splitWhen(predicate, { supervision: Supervision.resumingDecider })
      .fold([] as number[], collect)
      .concatSubstreams()
      .runWith(Sink.seq());
    expect(resumed).toEqual([[1], [3, 4]]);
  });

  it('fails when upstream fails and when a substream fails (upstream cancelled)', () => {
    const [up, sink] = TestSource.probe<number>()
      .splitWhen((x) => x === 0)
      .map((x) => {
        if (x === 9) throw new Error('substream');
        return x;
      })
      .mergeSubstreams()
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(5);
    up.sendNext(1).sendNext(9);
    sink.expectNext(1);
    expect((sink.expectFailure() as StageFailure).stage).toBe('map');
    up.expectCancellation();

    const [up2, sink2] = TestSource.probe<number>()
      .splitWhen((x) => x === 0)
      .mergeSubstreams()
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink2.request(1);
    const boom = new Error('upstream');
    up2.sendNext(1).sendError(boom);
    sink2.expectNext(1);
    expect(sink2.expectError()).toBe(boom);
  });

  it('cancelling downstream cancels upstream', () => {
    const [up, sink] = TestSource.probe<number>()
      .splitWhen((x) => x === 0)
      .mergeSubstreams()
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(1);
    up.sendNext(1);
    sink.expectNext(1);
    sink.cancel();
    up.expectCancellation();
  });

  it('validates the predicate', () => {
    expect(() => Source.single(1).splitWhen(undefined as never)).toThrow(/splitWhen: predicate must be a function/);
  });
});

describe('splitAfter', () => {
  it('ends the substream after each element the predicate holds for', async () => {
    const out = await Source.from([1, 2, 0, 3, 4, 0, 5])
      .splitAfter((x) => x === 0)
      .fold([] as number[], collect)
      .concatSubstreams()
      .runWith(Sink.seq());
    expect(out).toEqual([[1, 2, 0], [3, 4, 0], [5]]);
  });

  it('completes the substream right after the splitting element (no wait for the next one)', () => {
    const [up, sink] = TestSource.probe<string>()
      .splitAfter((s) => s.endsWith(';'))
      .fold('', (acc, s) => acc + s)
      .mergeSubstreams()
      .toMat(TestSink.probe<string>(), Keep.both)
      .run();
    sink.request(5);
    up.sendNext('a').sendNext('b;');
    sink.expectNext('ab;');
    up.sendNext('c').sendComplete();
    sink.expectNext('c').expectComplete();
  });

  it('drops the rest of a cancelled substream, up to and including its splitting element', async () => {
    const out = await Source.from([1, 2, 0, 3, 0, 4])
      .splitAfter((x) => x === 0)
      .take(1)
      .concatSubstreams()
      .runWith(Sink.seq());
    expect(out).toEqual([1, 3, 4]);
  });

  it('validates the predicate', () => {
    expect(() => Source.single(1).splitAfter(5 as never)).toThrow(/splitAfter: predicate must be a function/);
  });
});
