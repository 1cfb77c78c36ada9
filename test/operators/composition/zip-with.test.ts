import { Keep, Sink, Source, StageFailure } from 'tributary';
import { TestSink, TestSource, type SourceProbe } from 'tributary/testing';

function zipProbes() {
  const others: SourceProbe<string>[] = [];
  const [a, sink] = TestSource.probe<number>()
    .zip(TestSource.probe<string>().mapMaterializedValue((p) => void others.push(p)))
    .toMat(TestSink.probe<[number, string]>(), Keep.both)
    .run();
  return { a, b: others[0]!, sink };
}

describe('zip / zipWith', () => {
  it('pairs elements one to one', async () => {
    expect(await Source.from([1, 2, 3]).zip(Source.from(['a', 'b', 'c'])).runWith(Sink.seq())).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(await Source.from([1, 2]).zipWith(Source.from([10, 20]), (x, y) => x * y).runWith(Sink.seq())).toEqual([10, 40]);
  });

  it('completes with the shorter input and cancels the longer one', async () => {
    let pulled = 0;
    const long = Source.repeat(0).map(() => ++pulled);
    expect(await Source.from(['a', 'b']).zip(long).runWith(Sink.seq())).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(pulled).toBeLessThanOrEqual(3);
  });

  it('pulls each input once per downstream request (backpressure)', () => {
    const { a, b, sink } = zipProbes();
    a.expectNoRequest();
    b.expectNoRequest();
    sink.request(1);
    a.expectRequest().sendNext(1);
    sink.expectNoMessage();
    a.expectNoRequest();
    b.expectRequest().sendNext('x');
    sink.expectNext([1, 'x']);
    a.expectNoRequest();
    b.expectNoRequest();
  });

  it('pairs the last element of a completed input before completing', () => {
    const { a, b, sink } = zipProbes();
    sink.request(2);
    a.sendNext(1).sendComplete();
    sink.expectNoMessage();
    b.sendNext('x');
    sink.expectNext([1, 'x']).expectComplete();
    b.expectCancellation();
  });

  it('completes at once when an input completes with nothing pending', () => {
    const { a, b, sink } = zipProbes();
    b.sendComplete();
    sink.expectComplete();
    a.expectCancellation();
  });

  it('fails with a StageFailure naming zipWith when f throws, and cancels both inputs', () => {
    const others: SourceProbe<number>[] = [];
    const [a, sink] = TestSource.probe<number>()
      .zipWith(TestSource.probe<number>().mapMaterializedValue((p) => void others.push(p)), () => {
        throw new Error('f');
      })
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(1);
    a.sendNext(1);
    others[0]!.sendNext(2);
    const failure = sink.expectFailure() as StageFailure;
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure.stage).toBe('zipWith');
    expect((failure.cause as Error).message).toBe('f');
    a.expectCancellation();
    others[0]!.expectCancellation();
  });

  it('fails when an input fails', () => {
    const { a, b, sink } = zipProbes();
    a.sendError(new Error('a'));
    expect((sink.expectError() as Error).message).toBe('a');
    b.expectCancellation();
  });

  it('downstream cancel cancels both inputs', () => {
    const { a, b, sink } = zipProbes();
    sink.cancel();
    a.expectCancellation();
    b.expectCancellation();
  });

  it('validates its arguments', () => {
    expect(() => Source.single(1).zipWith(Source.single(2), 'f' as never)).toThrow(/zipWith: f must be a function, got string/);
    expect(() => Source.single(1).zip(undefined as never)).toThrow(/zipWith: other must be a Source/);
  });
});
