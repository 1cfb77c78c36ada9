import { Flow, Keep, Sink, Source, StageFailure } from 'tributary';
import { SourceProbe, TestSink, TestSource } from 'tributary/testing';
import { Boom, harness } from './probe-harness';

/** Whether a promise has settled (after pending microtasks ran). */
async function state(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let s: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(() => (s = 'resolved'), () => (s = 'rejected'));
  await new Promise<void>((r) => setImmediate(r));
  return s;
}

describe('watchTermination', () => {
  it('resolves when the stream completes (Keep.right by default)', async () => {
    const [done, out] = Source.from([1, 2]).watchTermination().toMat(Sink.seq(), Keep.both).run();
    expect(await out).toEqual([1, 2]);
    await expect(done).resolves.toBeUndefined();
  });

  it('combines with the upstream materialized value (Keep.both)', async () => {
    const [[src, done], sink] = TestSource.probe<number>().watchTermination(Keep.both).toMat(TestSink.probe<number>(), Keep.both).run();
    sink.request(1);
    src.sendNext(1);
    sink.expectNext(1);
    expect(await state(done)).toBe('pending');
    src.sendComplete();
    sink.expectComplete();
    expect(await state(done)).toBe('resolved');
  });

  it('keeps the upstream value with Keep.left and works inside a Flow', async () => {
    const flow = Flow.create<number>().watchTermination();
    const [done, out] = Source.from([3]).viaMat(flow, Keep.right).toMat(Sink.seq(), Keep.both).run();
    expect(await out).toEqual([3]);
    await expect(done).resolves.toBeUndefined();
    const src = TestSource.probe<number>().watchTermination(Keep.left).to(Sink.ignore()).run();
    expect(src).toBeInstanceOf(SourceProbe);
  });

  it('rejects with the StageFailure when upstream fails, and passes it on', async () => {
    const p = Source.from([1]).map(() => { throw new Boom('x'); }).watchTermination();
    const [done, out] = p.toMat(Sink.seq(), Keep.both).run();
    await expect(out).rejects.toMatchObject({ stage: 'map' });
    await expect(done).rejects.toBeInstanceOf(StageFailure);
    await expect(done).rejects.toMatchObject({ stage: 'map', cause: expect.any(Boom) });
  });

  it('resolves when downstream cancels, and cancels upstream', async () => {
    const [[src, done], sink] = TestSource.probe<number>().watchTermination(Keep.both).toMat(TestSink.probe<number>(), Keep.both).run();
    sink.cancel();
    src.expectCancellation();
    expect(await state(done)).toBe('resolved');
  });

  it('resolves when take completes downstream early', async () => {
    const [done, out] = Source.repeat(1).watchTermination().take(2).toMat(Sink.seq(), Keep.both).run();
    expect(await out).toEqual([1, 1]);
    await expect(done).resolves.toBeUndefined();
  });

  it('rejects when a downstream stage fails (and so cancels it with the failure)', async () => {
    const [done, out] = Source.from([1])
      .watchTermination()
      .map(() => { throw new Boom('down'); })
      .toMat(Sink.seq(), Keep.both)
      .run();
    await expect(out).rejects.toMatchObject({ stage: 'map' });
    await expect(done).rejects.toMatchObject({ stage: 'map', cause: expect.any(Boom) });
  });

  it('backpressures with downstream and stops once', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.watchTermination(Keep.left));
    src.expectNoRequest();
    sink.request(1);
    src.sendNext(1);
    sink.expectNext(1);
    src.expectNoRequest();
    src.sendComplete();
    sink.expectComplete();
    expect(stops('watchTermination')).toBe(1);
  });

  it('gives a fresh promise per materialization', async () => {
    const g = Source.from([1]).watchTermination().to(Sink.ignore());
    const a = g.run();
    const b = g.run();
    expect(a).not.toBe(b);
    await Promise.all([a, b]);
  });
});
