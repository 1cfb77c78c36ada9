import { NoSuchElementError, Sink, Source, StageFailure } from 'tributary';
import { Boom, harness } from './probe-harness';

describe('fold', () => {
  it('emits the folded value when upstream completes', async () => {
    expect(await Source.from([1, 2, 3]).fold(0, (a, x) => a + x).runWith(Sink.seq())).toEqual([6]);
  });

  it('emits the seed for an empty stream', async () => {
    expect(await Source.empty<number>().fold('seed', (a, x) => a + x).runWith(Sink.seq())).toEqual(['seed']);
  });

  it('consumes upstream once pulled, then holds the result until downstream asks', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.fold(0, (a, x) => a + x));
    src.expectNoRequest();
    sink.request(1);
    src.expectRequest().sendNext(1).sendNext(2);
    sink.expectNoMessage();
    src.sendComplete();
    sink.expectNext(3).expectComplete();
    expect(stops('fold')).toBe(1);
  });

  it('backpressures the final element until downstream asks', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.fold(0, (a, x) => a + x));
    src.sendComplete();
    sink.expectNoMessage();
    expect(stops('fold')).toBe(0);
    sink.request(1).expectNext(0).expectComplete();
    expect(stops('fold')).toBe(1);
  });

  it('passes an upstream failure on', () => {
    const { src, sink } = harness<number, number>((s) => s.fold(0, (a, x) => a + x));
    const boom = new Boom('up');
    src.sendError(boom);
    expect(sink.expectFailure()).toBe(boom);
  });

  it('fails with a StageFailure when f throws, cancelling upstream', () => {
    const { src, sink } = harness<number, number>((s) => s.fold(0, () => { throw new Boom('f'); }));
    sink.request(1);
    src.sendNext(1);
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'fold', cause: expect.any(Boom) });
    expect(src.expectCancellation()).toBe(failure);
  });

  it('cancellation while the result waits drops it and stops once (regression)', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.fold(0, (a, x) => a + x));
    src.sendComplete();
    sink.cancel();
    sink.expectNoMessage();
    src.expectNotCancelled();
    expect(stops('fold')).toBe(1);
  });

  it('cancels upstream when downstream cancels', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.fold(0, (a, x) => a + x));
    sink.request(1);
    src.sendNext(1);
    sink.cancel();
    src.expectCancellation();
    expect(stops('fold')).toBe(1);
  });

  it('validates its arguments', () => {
    expect(() => Source.from([1]).fold(0, undefined as never)).toThrow(/fold: f must be a function/);
    expect(() => Source.from([1]).fold(undefined, (a) => a)).toThrow(/fold: zero must not be undefined/);
  });
});

describe('reduce', () => {
  it('folds with the first element as the seed', async () => {
    expect(await Source.from([1, 2, 3]).reduce((a, b) => a + b).runWith(Sink.seq())).toEqual([6]);
    expect(await Source.single(7).reduce(() => { throw new Boom('not called'); }).runWith(Sink.seq())).toEqual([7]);
  });

  it('fails with NoSuchElementError on an empty stream', async () => {
    const p = Source.empty<number>().reduce((a, b) => a + b).runWith(Sink.seq());
    await expect(p).rejects.toBeInstanceOf(StageFailure);
    await expect(p).rejects.toMatchObject({ stage: 'reduce', cause: expect.any(NoSuchElementError) });
  });

  it('holds the result until downstream asks, then completes', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.reduce((a, b) => Math.max(a, b)));
    sink.request(1);
    src.sendNext(3).sendNext(9).sendNext(4).sendComplete();
    sink.expectNext(9).expectComplete();
    expect(stops('reduce')).toBe(1);
  });

  it('fails with a StageFailure when f throws', async () => {
    const p = Source.from([1, 2]).reduce(() => { throw new Boom('f'); }).runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'reduce', cause: expect.any(Boom) });
  });

  it('cancels upstream when downstream cancels', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.reduce((a, b) => a + b));
    sink.request(1);
    src.sendNext(1);
    sink.cancel();
    src.expectCancellation();
    expect(stops('reduce')).toBe(1);
  });

  it('validates f', () => {
    expect(() => Source.from([1]).reduce(1 as never)).toThrow(/reduce: f must be a function, got number/);
  });
});
