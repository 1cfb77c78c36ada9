import { Keep, Sink, Source, StageFailure } from 'tributary';
import { TestSink, TestSource, type SourceProbe } from 'tributary/testing';

/** A probe source that reports its probe to `into` when materialized. */
function probeSource<T>(into: SourceProbe<T>[]): Source<T, void> {
  return TestSource.probe<T>().mapMaterializedValue((p) => void into.push(p));
}

describe('concat', () => {
  it('emits this stream, then the other', async () => {
    expect(await Source.from([1, 2]).concat(Source.from([3, 4])).runWith(Sink.seq())).toEqual([1, 2, 3, 4]);
  });

  it('materializes the other eagerly but pulls it only after the first completed', () => {
    const others: SourceProbe<number>[] = [];
    const [main, sink] = TestSource.probe<number>().concat(probeSource(others)).toMat(TestSink.probe<number>(), Keep.both).run();
    expect(others).toHaveLength(1);
    const other = others[0]!;
    sink.request(2);
    main.expectRequest();
    other.expectNoRequest();
    main.sendNext(1);
    sink.expectNext(1);
    other.sendNext(10); // waits in the probe: no demand yet
    sink.expectNoMessage();
    main.sendComplete();
    sink.expectNext(10);
    other.expectNoRequest(); // outstanding demand used up
    sink.request(1);
    other.sendNext(11).sendComplete();
    sink.expectNext(11).expectComplete();
  });

  it('backpressures: pulls the second input only as downstream requests', () => {
    const [main, sink] = TestSource.probe<number>().concat(Source.range(1, 100)).toMat(TestSink.probe<number>(), Keep.both).run();
    main.sendComplete();
    sink.request(2).expectNext(1, 2).expectNoMessage();
    sink.request(1).expectNext(3);
  });

  it('completes at once when the other already completed', () => {
    const [main, sink] = TestSource.probe<number>().concat(Source.empty()).toMat(TestSink.probe<number>(), Keep.both).run();
    sink.request(1);
    main.sendComplete();
    sink.expectComplete();
  });

  it('fails when the other fails, even before it is used, and cancels upstream', () => {
    const boom = new Error('boom');
    const [main, sink] = TestSource.probe<number>().concat(Source.failed(boom)).toMat(TestSink.probe<number>(), Keep.both).run();
    expect(sink.expectError()).toBe(boom);
    main.expectCancellation();
  });

  it('passes an upstream failure on and cancels the other', () => {
    const others: SourceProbe<number>[] = [];
    const [main, sink] = TestSource.probe<number>().concat(probeSource(others)).toMat(TestSink.probe<number>(), Keep.both).run();
    const boom = new Error('upstream');
    main.sendError(boom);
    expect(sink.expectError()).toBe(boom);
    others[0]!.expectCancellation();
  });

  it('downstream cancel cancels both inputs', () => {
    const others: SourceProbe<number>[] = [];
    const [main, sink] = TestSource.probe<number>().concat(probeSource(others)).toMat(TestSink.probe<number>(), Keep.both).run();
    sink.cancel();
    main.expectCancellation();
    others[0]!.expectCancellation();
  });

  it('names inner failures by their stage, nested under concat', async () => {
    const failing = Source.from([1, 0]).map((x) => {
      if (x === 0) throw new Error('zero');
      return x;
    });
    const p = Source.single(1).concat(failing).runWith(Sink.seq());
    const failure = await p.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StageFailure);
    expect((failure as StageFailure).stage).toBe('map');
    expect((failure as StageFailure).path).toMatch(/concat#\d+\/.*map#\d+/);
  });

  it('validates its argument', () => {
    expect(() => Source.single(1).concat(undefined as never)).toThrow(/concat: other must be a Source, got undefined/);
  });

  it('is reusable: each run materializes the other again', async () => {
    let made = 0;
    const other = Source.single(0).map((x) => x + ++made);
    const graph = Source.single(0).concat(other).toMat(Sink.seq(), Keep.right);
    expect(await graph.run()).toEqual([0, 1]);
    expect(await graph.run()).toEqual([0, 2]);
  });
});

describe('prepend', () => {
  it('emits the other first, then this stream', async () => {
    expect(await Source.from([3, 4]).prepend(Source.from([1, 2])).runWith(Sink.seq())).toEqual([1, 2, 3, 4]);
  });

  it('pulls upstream only after the other completed', () => {
    const others: SourceProbe<number>[] = [];
    const [main, sink] = TestSource.probe<number>().prepend(probeSource(others)).toMat(TestSink.probe<number>(), Keep.both).run();
    const other = others[0]!;
    sink.request(3);
    main.expectNoRequest();
    other.expectRequest().sendNext(1);
    sink.expectNext(1);
    other.sendComplete();
    main.expectRequest().sendNext(2).sendComplete();
    sink.expectNext(2).expectComplete();
  });

  it('fails when upstream fails before the other completed', () => {
    const others: SourceProbe<number>[] = [];
    const [main, sink] = TestSource.probe<number>().prepend(probeSource(others)).toMat(TestSink.probe<number>(), Keep.both).run();
    const boom = new Error('early');
    main.sendError(boom);
    expect(sink.expectError()).toBe(boom);
    others[0]!.expectCancellation();
  });
});

describe('orElse', () => {
  it('uses the secondary when the primary completes empty', async () => {
    expect(await Source.empty<number>().orElse(Source.from([7, 8])).runWith(Sink.seq())).toEqual([7, 8]);
  });

  it('cancels the secondary on the primary\'s first element', () => {
    const others: SourceProbe<number>[] = [];
    const [main, sink] = TestSource.probe<number>().orElse(probeSource(others)).toMat(TestSink.probe<number>(), Keep.both).run();
    sink.request(5);
    others[0]!.expectNotCancelled().expectNoRequest();
    main.sendNext(1);
    sink.expectNext(1);
    others[0]!.expectCancellation();
    main.sendNext(2).sendComplete();
    sink.expectNext(2).expectComplete();
  });

  it('backpressures the secondary by downstream demand', () => {
    const [main, sink] = TestSource.probe<number>().orElse(Source.range(1, 10)).toMat(TestSink.probe<number>(), Keep.both).run();
    main.sendComplete();
    sink.request(2).expectNext(1, 2).expectNoMessage();
  });

  it('fails if the secondary fails while the primary has not emitted', () => {
    const boom = new Error('secondary');
    const [main, sink] = TestSource.probe<number>().orElse(Source.failed(boom)).toMat(TestSink.probe<number>(), Keep.both).run();
    expect(sink.expectError()).toBe(boom);
    main.expectCancellation();
  });

  it('passes a primary failure on', () => {
    const [main, sink] = TestSource.probe<number>().orElse(Source.single(1)).toMat(TestSink.probe<number>(), Keep.both).run();
    main.sendError(new Error('primary'));
    expect((sink.expectError() as Error).message).toBe('primary');
  });
});
