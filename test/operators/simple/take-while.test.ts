import { NoMoreElementsNeeded, Sink, Source, StageFailure } from 'tributary';
import { Boom, harness } from './probe-harness';

describe('takeWhile', () => {
  it('passes elements while the predicate holds', async () => {
    expect(await Source.range(1, 10).takeWhile((x) => x < 3).runWith(Sink.seq())).toEqual([1, 2]);
  });

  it('with inclusive also emits the first element that fails the predicate', async () => {
    expect(await Source.range(1, 10).takeWhile((x) => x < 3, true).runWith(Sink.seq())).toEqual([1, 2, 3]);
  });

  it('completes when upstream completes first', async () => {
    expect(await Source.range(1, 3).takeWhile(() => true).runWith(Sink.seq())).toEqual([1, 2, 3]);
  });

  it('backpressures, then completes and cancels upstream when the predicate fails', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.takeWhile((x) => x < 3));
    src.expectNoRequest();
    sink.request(1);
    src.sendNext(1);
    sink.expectNext(1);
    src.expectNoRequest();
    sink.request(1);
    src.sendNext(5);
    sink.expectComplete();
    expect(src.expectCancellation()).toBeInstanceOf(NoMoreElementsNeeded);
    expect(stops('takeWhile')).toBe(1);
  });

  it('stops pulling an infinite source', async () => {
    let pulled = 0;
    function* naturals() { for (let i = 0; ; i++) { pulled++; yield i; } }
    expect(await Source.from(naturals()).takeWhile((x) => x < 2, true).runWith(Sink.seq())).toEqual([0, 1, 2]);
    expect(pulled).toBe(3);
  });

  it('passes an upstream failure on', () => {
    const { src, sink } = harness<number, number>((s) => s.takeWhile(() => true));
    const boom = new Boom('up');
    src.sendError(boom);
    expect(sink.expectFailure()).toBe(boom);
  });

  it('fails with a StageFailure when the predicate throws', () => {
    const { src, sink } = harness<number, number>((s) => s.takeWhile(() => { throw new Boom('p'); }));
    sink.request(1);
    src.sendNext(1);
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'takeWhile', cause: expect.any(Boom) });
    expect(src.expectCancellation()).toBe(failure);
  });

  it('cancels upstream when downstream cancels', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.takeWhile(() => true));
    sink.cancel();
    src.expectCancellation();
    expect(stops('takeWhile')).toBe(1);
  });

  it('validates the predicate', () => {
    expect(() => Source.range(1, 2).takeWhile(undefined as never)).toThrow(/takeWhile: predicate must be a function/);
  });
});
