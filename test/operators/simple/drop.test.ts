import { Sink, Source, StageFailure } from 'tributary';
import { Boom, harness } from './probe-harness';

describe('drop', () => {
  it('skips the first n elements', async () => {
    expect(await Source.range(1, 5).drop(3).runWith(Sink.seq())).toEqual([4, 5]);
    expect(await Source.range(1, 2).drop(0).runWith(Sink.seq())).toEqual([1, 2]);
    expect(await Source.range(1, 2).drop(5).runWith(Sink.seq())).toEqual([]);
  });

  it('keeps demand up while dropping, then backpressures with downstream', () => {
    const { src, sink } = harness<number, number>((s) => s.drop(2));
    src.expectNoRequest();
    sink.request(1);
    src.sendNext(1).sendNext(2);
    src.expectRequest();
    src.sendNext(3);
    sink.expectNext(3);
    src.expectNoRequest();
  });

  it('completes with upstream and passes failures on', () => {
    const a = harness<number, number>((s) => s.drop(1));
    a.src.sendComplete();
    a.sink.expectComplete();
    expect(a.stops('drop')).toBe(1);
    const b = harness<number, number>((s) => s.drop(1));
    const boom = new Boom('up');
    b.src.sendError(boom);
    expect(b.sink.expectFailure()).toBe(boom);
  });

  it('cancels upstream when downstream cancels', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.drop(1));
    sink.cancel();
    src.expectCancellation();
    expect(stops('drop')).toBe(1);
  });

  it('validates n', () => {
    expect(() => Source.range(1, 2).drop(-1)).toThrow(/drop: n must be a non-negative integer, got -1/);
  });
});

describe('dropWhile', () => {
  it('skips elements while the predicate holds, then passes everything', async () => {
    expect(await Source.from([1, 2, 5, 1]).dropWhile((x) => x < 3).runWith(Sink.seq())).toEqual([5, 1]);
  });

  it('stops calling the predicate once it failed', async () => {
    const seen: number[] = [];
    await Source.from([1, 5, 1, 1]).dropWhile((x) => { seen.push(x); return x < 3; }).runWith(Sink.seq());
    expect(seen).toEqual([1, 5]);
  });

  it('backpressures with downstream once passing', () => {
    const { src, sink } = harness<number, number>((s) => s.dropWhile((x) => x < 3));
    sink.request(1);
    src.sendNext(1).sendNext(4);
    sink.expectNext(4);
    src.expectNoRequest();
  });

  it('completes with upstream and passes failures on', () => {
    const a = harness<number, number>((s) => s.dropWhile(() => true));
    a.sink.request(1);
    a.src.sendNext(1).sendComplete();
    a.sink.expectComplete();
    const b = harness<number, number>((s) => s.dropWhile(() => true));
    const boom = new Boom('up');
    b.src.sendError(boom);
    expect(b.sink.expectFailure()).toBe(boom);
  });

  it('fails with a StageFailure when the predicate throws', () => {
    const { src, sink } = harness<number, number>((s) => s.dropWhile(() => { throw new Boom('p'); }));
    sink.request(1);
    src.sendNext(1);
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'dropWhile', cause: expect.any(Boom) });
    expect(src.expectCancellation()).toBe(failure);
  });

  it('cancels upstream when downstream cancels', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.dropWhile(() => false));
    sink.cancel();
    src.expectCancellation();
    expect(stops('dropWhile')).toBe(1);
  });

  it('validates the predicate', () => {
    expect(() => Source.range(1, 2).dropWhile('x' as never)).toThrow(/dropWhile: predicate must be a function/);
  });
});
