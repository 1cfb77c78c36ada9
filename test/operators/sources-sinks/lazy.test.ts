import { Keep, NeverMaterializedError, Sink, Source, StageFailure } from 'tributary';
import { TestSink, TestSource, type SourceProbe } from 'tributary/testing';

describe('Source.lazy', () => {
  it('creates and materializes the inner source on first demand, resolving the inner materialized value', async () => {
    let created = 0;
    const [mat, probe] = Source.lazy(() => {
      created++;
      return Source.from([1, 2, 3]).mapMaterializedValue(() => 'inner-mat');
    })
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    expect(created).toBe(0);
    probe.expectNoMessage();
    probe.request(1).expectNext(1);
    expect(created).toBe(1);
    await expect(mat).resolves.toBe('inner-mat');
    probe.request(5).expectNext(2, 3).expectComplete();
    expect(created).toBe(1);
  });

  it('passes demand through to the inner source (backpressure)', () => {
    let inner!: SourceProbe<number>;
    const probe = Source.lazy(() => TestSource.probe<number>().mapMaterializedValue((p) => (inner = p))).runWith(
      TestSink.probe<number>(),
    );
    probe.request(1);
    inner.expectRequest();
    inner.sendNext(1);
    probe.expectNext(1);
    inner.expectNoRequest();
    inner.sendNext(2);
    probe.expectNoMessage();
    probe.request(1).expectNext(2);
  });

  it('cancels the inner source when downstream cancels', async () => {
    let src!: SourceProbe<number>;
    const [mat, probe] = Source.lazy(() => TestSource.probe<number>().mapMaterializedValue((p) => (src = p)))
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    probe.request(1);
    await mat;
    probe.cancel();
    src.expectCancellation();
  });

  it('rejects the materialized value with NeverMaterializedError when cancelled before demand', async () => {
    let created = 0;
    const [mat, probe] = Source.lazy(() => (created++, Source.single(1))).toMat(TestSink.probe<number>(), Keep.both).run();
    probe.cancel();
    await expect(mat).rejects.toBeInstanceOf(NeverMaterializedError);
    expect(created).toBe(0);
  });

  it('fails the stream and rejects the materialized value when the factory throws', async () => {
    const boom = new Error('no source for you');
    const [mat, done] = Source.lazy<number, void>(() => {
      throw boom;
    })
      .toMat(Sink.seq(), Keep.both)
      .run();
    await expect(done).rejects.toMatchObject({ name: 'StageFailure', stage: 'lazy', cause: boom });
    await expect(mat).rejects.toMatchObject({ stage: 'lazy', cause: boom });
  });

  it('fails clearly when the factory does not return a Source', async () => {
    const done = Source.lazy(() => 42 as never).runWith(Sink.seq());
    await expect(done).rejects.toThrow(/Source\.lazy: factory must return a Source, got number/);
  });

  it('propagates an inner failure naming the inner stage', async () => {
    const boom = new Error('inner');
    const done = Source.lazy(() =>
      Source.from([1, 2]).map((x) => {
        if (x === 2) throw boom;
        return x;
      }),
    ).runWith(Sink.seq());
    await expect(done).rejects.toBeInstanceOf(StageFailure);
    await expect(done).rejects.toMatchObject({ stage: 'map', cause: boom });
  });

  it('validates the factory', () => {
    expect(() => Source.lazy(undefined as never)).toThrow(/Source\.lazy: factory must be a function, got undefined/);
  });
});

describe('Source.defer', () => {
  it('calls the factory at each materialization and keeps the inner materialized value', async () => {
    let calls = 0;
    const source = Source.defer(() => {
      const n = ++calls;
      return Source.single(n).mapMaterializedValue(() => `mat${n}`);
    });
    expect(calls).toBe(0);
    const [m1, out1] = source.toMat(Sink.seq(), Keep.both).run();
    const [m2, out2] = source.toMat(Sink.seq(), Keep.both).run();
    expect([m1, m2]).toEqual(['mat1', 'mat2']);
    expect(await out1).toEqual([1]);
    expect(await out2).toEqual([2]);
  });

  it('materializes the inner source in place, with its own backpressure and cancellation', () => {
    const [src, probe] = Source.defer(() => TestSource.probe<number>())
      .map((x) => x + 1)
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    src.expectNoRequest();
    probe.request(1);
    src.sendNext(1);
    probe.expectNext(2);
    probe.cancel();
    src.expectCancellation();
  });

  it('throws from run() when the factory throws or returns no Source', () => {
    const boom = new Error('factory');
    const bad = Source.defer<number, void>(() => {
      throw boom;
    });
    expect(() => bad.runWith(Sink.seq())).toThrow(boom);
    expect(() => Source.defer(() => null as never).runWith(Sink.seq())).toThrow(/Source\.defer: factory must return a Source/);
  });

  it('validates the factory', () => {
    expect(() => Source.defer(5 as never)).toThrow(/Source\.defer: factory must be a function, got number/);
  });
});
