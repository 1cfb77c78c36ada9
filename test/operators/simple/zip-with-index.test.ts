import { Sink, Source } from 'tributary';
import { Boom, harness } from './probe-harness';

describe('zipWithIndex', () => {
  it('pairs each element with its 0-based index', async () => {
    expect(await Source.from(['a', 'b', 'c']).zipWithIndex().runWith(Sink.seq())).toEqual([['a', 0], ['b', 1], ['c', 2]]);
  });

  it('counts independently per materialization', async () => {
    const s = Source.from(['a']).zipWithIndex();
    expect(await s.runWith(Sink.seq())).toEqual([['a', 0]]);
    expect(await s.runWith(Sink.seq())).toEqual([['a', 0]]);
  });

  it('backpressures, completes and fails with upstream', () => {
    const { src, sink, stops } = harness<string, [string, number]>((s) => s.zipWithIndex());
    src.expectNoRequest();
    sink.request(1);
    src.sendNext('x');
    sink.expectNext(['x', 0]);
    src.expectNoRequest();
    src.sendComplete();
    sink.expectComplete();
    expect(stops('zipWithIndex')).toBe(1);
    const b = harness<string, [string, number]>((s) => s.zipWithIndex());
    const boom = new Boom('up');
    b.src.sendError(boom);
    expect(b.sink.expectFailure()).toBe(boom);
  });

  it('cancels upstream when downstream cancels', () => {
    const { src, sink } = harness<string, [string, number]>((s) => s.zipWithIndex());
    sink.cancel();
    src.expectCancellation();
  });
});
