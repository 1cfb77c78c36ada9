import { Sink, Source, StageFailure, StreamLimitReachedError } from 'tributary';
import { Boom, harness } from './probe-harness';

describe('limit', () => {
  it('passes up to max elements', async () => {
    expect(await Source.range(1, 3).limit(3).runWith(Sink.seq())).toEqual([1, 2, 3]);
  });

  it('fails with StreamLimitReachedError on element max + 1, cancelling upstream', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.limit(2));
    sink.request(5);
    src.sendNext(1).sendNext(2).sendNext(3);
    sink.expectNext(1, 2);
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'limit', cause: expect.any(StreamLimitReachedError) });
    expect((failure as StageFailure).cause).toMatchObject({ limit: 2 });
    expect(src.expectCancellation()).toBe(failure);
    expect(stops('limit')).toBe(1);
  });

  it('limit(0) fails on the first element and passes an empty stream', async () => {
    await expect(Source.single(1).limit(0).runWith(Sink.seq())).rejects.toMatchObject({ cause: expect.any(StreamLimitReachedError) });
    expect(await Source.empty<number>().limit(0).runWith(Sink.seq())).toEqual([]);
  });

  it('backpressures with downstream', () => {
    const { src, sink } = harness<number, number>((s) => s.limit(10));
    src.expectNoRequest();
    sink.request(1);
    src.sendNext(1);
    sink.expectNext(1);
    src.expectNoRequest();
  });

  it('passes failures on and cancels upstream on downstream cancellation', () => {
    const a = harness<number, number>((s) => s.limit(1));
    const boom = new Boom('up');
    a.src.sendError(boom);
    expect(a.sink.expectFailure()).toBe(boom);
    const b = harness<number, number>((s) => s.limit(1));
    b.sink.cancel();
    b.src.expectCancellation();
    expect(b.stops('limit')).toBe(1);
  });

  it('validates max', () => {
    expect(() => Source.range(1, 2).limit(-1)).toThrow(/limit: max must be a non-negative integer, got -1/);
  });
});
