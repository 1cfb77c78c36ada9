import { Keep, Materializer, Sink, Source, StageFailure, type StageInfo } from 'tributary';
import { TestSink, TestSource, type SourceProbe } from 'tributary/testing';

/** Runs `upstream.flatMapX(...)` where every inner source is a probe, collected in `inners`. */
function probes(kind: 'concat' | 'merge', breadth = 2) {
  const inners: SourceProbe<number>[] = [];
  const inner = () => TestSource.probe<number>().mapMaterializedValue((p) => void inners.push(p));
  const src = TestSource.probe<number>();
  const flow = kind === 'concat' ? src.flatMapConcat(inner) : src.flatMapMerge(breadth, inner);
  const [up, sink] = flow.toMat(TestSink.probe<number>(), Keep.both).run();
  return { up, sink, inners };
}

/** A materializer recording the stages that expose buffer stats. */
function observed(): { materializer: Materializer; stages: StageInfo[] } {
  const stages: StageInfo[] = [];
  return { stages, materializer: new Materializer({ observer: { stageStarted: (s) => void (s.stats && stages.push(s)) } }) };
}

describe('flatMapConcat', () => {
  it('emits the inner sources one after another, in order', async () => {
    const out = await Source.from([1, 2, 3]).flatMapConcat((x) => Source.from([x, x * 10])).runWith(Sink.seq());
    expect(out).toEqual([1, 10, 2, 20, 3, 30]);
  });

  it('runs one inner source at a time and pulls upstream only when it completed', () => {
    const { up, sink, inners } = probes('concat');
    sink.request(10);
    up.expectRequest().sendNext(1);
    expect(inners).toHaveLength(1);
    up.expectNoRequest();
    inners[0]!.sendNext(1).sendNext(2);
    sink.expectNext(1, 2);
    inners[0]!.sendComplete();
    up.expectRequest().sendNext(2);
    expect(inners).toHaveLength(2);
  });

  it('pulls the inner source one element at a time (backpressure)', () => {
    const { up, sink, inners } = probes('concat');
    up.sendNext(1);
    const inner = inners[0]!;
    inner.sendNext(1).sendNext(2).sendNext(3);
    expect(inner.pending).toBe(2); // one element taken, waiting for downstream
    sink.request(1).expectNext(1);
    expect(inner.pending).toBe(1);
    sink.expectNoMessage();
  });

  it('completes when upstream and the last inner source completed', () => {
    const { up, sink, inners } = probes('concat');
    sink.request(1);
    up.sendNext(1).sendComplete();
    sink.expectNoMessage();
    inners[0]!.sendComplete();
    sink.expectComplete();
  });

  it('handles many inner sources without growing (regression: sub-ports were never released)', async () => {
    let n = 0;
    await Source.range(1, 20_000)
      .flatMapConcat((x) => Source.single(x))
      .runWith(Sink.forEach(() => void n++));
    expect(n).toBe(20_000);
  });

  it('fails when an inner source fails, cancelling upstream', () => {
    const { up, sink, inners } = probes('concat');
    sink.request(1);
    up.sendNext(1);
    const boom = new Error('inner');
    inners[0]!.sendError(boom);
    expect(sink.expectError()).toBe(boom);
    up.expectCancellation();
  });

  it('fails with a StageFailure when f throws or does not return a Source', async () => {
    const thrown = await Source.single(1)
      .flatMapConcat(() => {
        throw new Error('f');
      })
      .runWith(Sink.seq())
      .then(() => undefined, (e: unknown) => e as StageFailure);
    expect(thrown).toBeInstanceOf(StageFailure);
    expect(thrown!.stage).toBe('flatMapConcat');
    const wrong = await Source.single(1)
      .flatMapConcat(() => [1, 2] as never)
      .runWith(Sink.seq())
      .then(() => undefined, (e: unknown) => e as StageFailure);
    expect(String(wrong?.cause)).toMatch(/flatMapConcat: the function must return a Source, got object/);
  });

  it('downstream cancel cancels upstream and the running inner source', () => {
    const { up, sink, inners } = probes('concat');
    up.sendNext(1);
    sink.cancel();
    up.expectCancellation();
    inners[0]!.expectCancellation();
  });

  it('validates f', () => {
    expect(() => Source.single(1).flatMapConcat(undefined as never)).toThrow(/flatMapConcat: f must be a function/);
  });
});

describe('flatMapMerge', () => {
  it('emits all elements of all inner sources', async () => {
    const out = await Source.range(1, 10)
      .flatMapMerge(3, (x) => Source.from([x, x + 100]))
      .runWith(Sink.seq());
    expect([...out].sort((a, b) => a - b)).toEqual([...Array.from({ length: 10 }, (_, i) => i + 1), ...Array.from({ length: 10 }, (_, i) => i + 101)]);
  });

  it('runs at most `breadth` inner sources at once', () => {
    const { up, inners } = probes('merge', 2);
    up.sendNext(1).sendNext(2).sendNext(3);
    expect(inners).toHaveLength(2);
    expect(up.pending).toBe(1);
    up.expectNoRequest();
    inners[0]!.sendComplete();
    expect(inners).toHaveLength(3);
    expect(up.pending).toBe(0);
  });

  it('lets inner sources with elements ready take turns, holding one element per inner source', () => {
    const { up, sink, inners } = probes('merge', 2);
    up.sendNext(1).sendNext(2);
    const [a, b] = inners as [SourceProbe<number>, SourceProbe<number>];
    a.sendNext(1).sendNext(2).sendNext(3);
    b.sendNext(10).sendNext(20).sendNext(30);
    expect(a.pending + b.pending).toBe(4);
    sink.request(4);
    expect(sink.expectNextN(4)).toEqual([1, 10, 2, 20]);
  });

  it('exposes bounded BufferStats', async () => {
    const { materializer, stages } = observed();
    const out = await Source.range(1, 200)
      .flatMapMerge(4, (x) => Source.from([x, x, x]))
      .runWith(Sink.seq(), materializer);
    expect(out).toHaveLength(600);
    const stats = stages.find((s) => s.name === 'flatMapMerge')!.stats!;
    expect(stats.capacity).toBe(4);
    expect(stats.peak).toBeLessThanOrEqual(4);
    expect(stats.peak).toBeGreaterThan(0);
  });

  it('completes when upstream and all inner sources completed', () => {
    const { up, sink, inners } = probes('merge', 2);
    up.sendNext(1).sendNext(2).sendComplete();
    inners[0]!.sendComplete();
    sink.expectNoMessage();
    sink.request(1);
    inners[1]!.sendNext(5).sendComplete();
    sink.expectNext(5).expectComplete();
  });

  it('fails when an inner source fails, cancelling upstream and the other inner sources', () => {
    const { up, sink, inners } = probes('merge', 2);
    up.sendNext(1).sendNext(2);
    const boom = new Error('inner');
    inners[1]!.sendError(boom);
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect((failure as StageFailure).cause).toBe(boom);
    up.expectCancellation();
    inners[0]!.expectCancellation();
  });

  it('passes an upstream failure on and cancels the inner sources', () => {
    const { up, sink, inners } = probes('merge', 2);
    up.sendNext(1);
    up.sendError(new Error('outer'));
    expect((sink.expectError() as Error).message).toBe('outer');
    inners[0]!.expectCancellation();
  });

  it('downstream cancel cancels upstream and all inner sources', () => {
    const { up, sink, inners } = probes('merge', 3);
    up.sendNext(1).sendNext(2);
    sink.cancel();
    up.expectCancellation();
    for (const inner of inners) inner.expectCancellation();
  });

  it('validates breadth and f', () => {
    expect(() => Source.single(1).flatMapMerge(0, () => Source.empty())).toThrow(/flatMapMerge: breadth must be a positive integer, got 0/);
    expect(() => Source.single(1).flatMapMerge(2, null as never)).toThrow(/flatMapMerge: f must be a function, got null/);
  });
});
