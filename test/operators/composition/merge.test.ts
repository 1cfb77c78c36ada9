import { Keep, Sink, Source, StageFailure } from 'tributary';
import { TestSink, TestSource, type SourceProbe } from 'tributary/testing';

function probeSource<T>(into: SourceProbe<T>[]): Source<T, void> {
  return TestSource.probe<T>().mapMaterializedValue((p) => void into.push(p));
}

function mergeProbes(eagerComplete = false) {
  const others: SourceProbe<number>[] = [];
  const [a, sink] = TestSource.probe<number>()
    .merge(probeSource(others), { eagerComplete })
    .toMat(TestSink.probe<number>(), Keep.both)
    .run();
  return { a, b: others[0]!, sink };
}

describe('merge', () => {
  it('emits the elements of both inputs', async () => {
    const out = await Source.range(1, 50).merge(Source.range(51, 100)).runWith(Sink.seq());
    expect([...out].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('is fair: inputs with elements ready take turns', () => {
    const { a, b, sink } = mergeProbes();
    a.sendNext(1).sendNext(2).sendNext(3);
    b.sendNext(10).sendNext(20).sendNext(30);
    sink.request(6);
    expect(sink.expectNextN(6)).toEqual([1, 10, 2, 20, 3, 30]);
  });

  it('holds at most one element per input (backpressure)', () => {
    const { a, b, sink } = mergeProbes();
    a.sendNext(1).sendNext(2);
    b.sendNext(10);
    expect(a.pending).toBe(1); // 1 taken into the stage, 2 waits in the probe
    expect(b.pending).toBe(0);
    a.expectNoRequest();
    b.expectNoRequest();
    sink.request(1).expectNext(1);
    expect(a.pending).toBe(0); // pulled again after its element was emitted
    sink.expectNoMessage();
  });

  it('completes when both completed', () => {
    const { a, b, sink } = mergeProbes();
    sink.request(3);
    a.sendNext(1).sendComplete();
    sink.expectNext(1).expectNoMessage();
    b.sendNext(2);
    sink.expectNext(2);
    b.sendComplete();
    sink.expectComplete();
  });

  it('emits a completed input\'s last element before completing', () => {
    const { a, b, sink } = mergeProbes();
    a.sendNext(1).sendComplete();
    b.sendComplete();
    sink.expectNoMessage();
    sink.request(1).expectNext(1).expectComplete();
  });

  it('eagerComplete: completes when either completes and cancels the other', () => {
    const { a, b, sink } = mergeProbes(true);
    sink.request(2);
    b.sendNext(5);
    sink.expectNext(5);
    b.sendComplete();
    sink.expectComplete();
    a.expectCancellation();
  });

  it('fails when either input fails and cancels the other', () => {
    const { a, b, sink } = mergeProbes();
    const boom = new Error('b failed');
    b.sendError(boom);
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect((failure as StageFailure).stage).toBe('merge');
    expect((failure as StageFailure).cause).toBe(boom);
    a.expectCancellation();
  });

  it('downstream cancel cancels both inputs', () => {
    const { a, b, sink } = mergeProbes();
    sink.cancel();
    a.expectCancellation();
    b.expectCancellation();
  });

  it('validates its arguments', () => {
    expect(() => Source.single(1).merge(null as never)).toThrow(/merge: other must be a Source, got undefined/);
    expect(() => Source.single(1).merge(Source.single(2), { eagerComplete: 'yes' as never })).toThrow(
      /merge: eagerComplete must be a boolean, got string/,
    );
  });
});
