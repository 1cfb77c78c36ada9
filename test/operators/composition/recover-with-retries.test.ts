import { Keep, Sink, Source, StageFailure } from 'tributary';
import { TestSink, TestSource, type SourceProbe } from 'tributary/testing';

/** Emits `elements`, then fails with `error` (in a `map` stage). */
function failing<T>(elements: T[], error: Error): Source<T, void> {
  const end = Symbol('end');
  return Source.from<T | typeof end>([...elements, end]).map((x) => {
    if (x === end) throw error;
    return x;
  });
}

describe('recoverWithRetries', () => {
  it('switches to the recovery source on failure', async () => {
    const out = await failing([1, 2], new Error('x'))
      .recoverWithRetries(1, () => Source.from([9, 10]))
      .runWith(Sink.seq());
    expect(out).toEqual([1, 2, 9, 10]);
  });

  it('passes the original error (not the StageFailure) to f', async () => {
    const boom = new Error('boom');
    const seen: unknown[] = [];
    await failing([1], boom)
      .recoverWithRetries(1, (e) => (seen.push(e), Source.empty<number>()))
      .runWith(Sink.seq());
    expect(seen).toEqual([boom]);
  });

  it('retries failing recovery sources up to `attempts` times, then fails with the last error', async () => {
    let calls = 0;
    const p = failing([0], new Error('first'))
      .recoverWithRetries(2, () => failing([++calls], new Error(`retry ${calls}`)))
      .runWith(Sink.seq());
    const failure = (await p.catch((e: unknown) => e)) as StageFailure;
    expect(calls).toBe(2);
    expect(failure).toBeInstanceOf(StageFailure);
    expect((failure.cause as Error).message).toBe('retry 2');
    expect(failure.path).toMatch(/recoverWithRetries#\d+\//); // the failing recovery source, nested
  });

  it('-1 retries without limit', async () => {
    let calls = 0;
    const out = await failing([0], new Error('x'))
      .recoverWithRetries(-1, () => (++calls < 50 ? failing([calls], new Error('again')) : Source.single(-1)))
      .runWith(Sink.seq());
    expect(out).toHaveLength(51);
    expect(out[50]).toBe(-1);
  });

  it('attempts 0 and f returning undefined let the original failure through', async () => {
    const boom = new Error('boom');
    const f = jest.fn(() => Source.single(1));
    const p0 = failing([1], boom).recoverWithRetries(0, f).runWith(Sink.seq());
    await expect(p0).rejects.toMatchObject({ stage: 'map', cause: boom });
    expect(f).not.toHaveBeenCalled();
    const p1 = failing([1], boom).recoverWithRetries(3, () => undefined).runWith(Sink.seq());
    await expect(p1).rejects.toMatchObject({ stage: 'map', cause: boom });
  });

  it('fails with a StageFailure naming the stage when f throws', async () => {
    const p = failing([1], new Error('x'))
      .recoverWithRetries(1, () => {
        throw new Error('f broke');
      })
      .runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'recoverWithRetries', cause: new Error('f broke') });
  });

  it('backpressures upstream and the recovery source by downstream demand', () => {
    const recoveries: SourceProbe<number>[] = [];
    const [up, sink] = TestSource.probe<number>()
      .recoverWithRetries(1, () => TestSource.probe<number>().mapMaterializedValue((p) => void recoveries.push(p)))
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    up.expectNoRequest();
    sink.request(1);
    up.expectRequest().sendNext(1);
    sink.expectNext(1);
    up.expectNoRequest();
    up.sendError(new Error('x'));
    expect(recoveries).toHaveLength(1);
    recoveries[0]!.expectNoRequest();
    sink.request(1);
    recoveries[0]!.expectRequest().sendNext(2);
    sink.expectNext(2);
    recoveries[0]!.expectNoRequest().sendComplete();
    sink.expectComplete();
  });

  it('downstream cancel cancels upstream, or the recovery source once switched', () => {
    const recoveries: SourceProbe<number>[] = [];
    const run = () =>
      TestSource.probe<number>()
        .recoverWithRetries(1, () => TestSource.probe<number>().mapMaterializedValue((p) => void recoveries.push(p)))
        .toMat(TestSink.probe<number>(), Keep.both)
        .run();
    const [up1, sink1] = run();
    sink1.cancel();
    up1.expectCancellation();
    const [up2, sink2] = run();
    up2.sendError(new Error('x'));
    sink2.cancel();
    recoveries[0]!.expectCancellation();
  });

  it('validates its arguments', () => {
    expect(() => Source.single(1).recoverWithRetries(-2, () => undefined)).toThrow(
      /recoverWithRetries: attempts must be an integer >= -1 \(-1: unlimited\), got -2/,
    );
    expect(() => Source.single(1).recoverWithRetries(1.5, () => undefined)).toThrow(/got 1.5/);
    expect(() => Source.single(1).recoverWithRetries(1, 'x' as never)).toThrow(/recoverWithRetries: f must be a function/);
  });
});
