import { Sink, Source } from 'tributary';
import { Boom, harness } from './probe-harness';

const run = (n: number, size: number, step?: number) => Source.range(1, n).sliding(size, step).runWith(Sink.seq());

describe('sliding', () => {
  it('emits overlapping windows with step 1', async () => {
    expect(await run(4, 2)).toEqual([[1, 2], [2, 3], [3, 4]]);
  });

  it('emits a last partial window only if it holds elements not emitted yet', async () => {
    expect(await run(5, 3, 2)).toEqual([[1, 2, 3], [3, 4, 5]]);
    expect(await run(4, 3, 2)).toEqual([[1, 2, 3], [3, 4]]);
    expect(await run(6, 3, 3)).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(await run(7, 3, 3)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('skips elements between windows when step > size', async () => {
    expect(await run(7, 2, 3)).toEqual([[1, 2], [4, 5], [7]]);
    expect(await run(6, 2, 3)).toEqual([[1, 2], [4, 5]]);
  });

  it('emits one partial window when the stream is shorter than size, none when empty', async () => {
    expect(await run(2, 5)).toEqual([[1, 2]]);
    expect(await Source.empty<number>().sliding(3).runWith(Sink.seq())).toEqual([]);
  });

  it('emits windows that do not share arrays', async () => {
    const out = await run(4, 3);
    out[0]!.push(99);
    expect(out[1]).toEqual([2, 3, 4]);
  });

  it('backpressures when downstream does and holds the last window until asked', () => {
    const { src, sink, stops } = harness<number, number[]>((s) => s.sliding(2, 2));
    sink.request(1);
    src.sendNext(1).sendNext(2);
    sink.expectNext([1, 2]);
    src.expectNoRequest();
    src.sendNext(3).sendComplete();
    sink.expectNoMessage();
    sink.request(1).expectNext([3]).expectComplete();
    expect(stops('sliding')).toBe(1);
  });

  it('passes an upstream failure on, dropping the partial window', () => {
    const { src, sink } = harness<number, number[]>((s) => s.sliding(3));
    sink.request(1);
    src.sendNext(1);
    const boom = new Boom('up');
    src.sendError(boom);
    expect(sink.expectFailure()).toBe(boom);
  });

  it('cancels upstream when downstream cancels', () => {
    const { src, sink, stops } = harness<number, number[]>((s) => s.sliding(3));
    sink.request(1);
    sink.cancel();
    src.expectCancellation();
    expect(stops('sliding')).toBe(1);
  });

  it('validates size and step', () => {
    expect(() => Source.range(1, 2).sliding(0)).toThrow(/sliding: size must be a positive integer, got 0/);
    expect(() => Source.range(1, 2).sliding(2, 1.5)).toThrow(/sliding: step must be a positive integer, got 1.5/);
  });
});
