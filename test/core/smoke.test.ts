import { map, timer } from 'rxjs';
import { Source, Sink, Flow, Keep, OverflowStrategy, StageFailure } from 'tributary';
import { TestClock } from 'tributary/testing';

describe('linear streams', () => {
  it('maps, filters and collects', async () => {
    const out = await Source.from([1, 2, 3]).map((x) => x * 2).filter((x) => x > 2).runWith(Sink.seq());
    expect(out).toEqual([4, 6]);
  });
  it('runs a reusable flow twice independently', async () => {
    const f = Flow.create<number>().map((x) => x + 1).grouped(2);
    const g = Source.range(1, 5).via(f).toMat(Sink.seq(), Keep.right);
    expect(await g.run()).toEqual([[2, 3], [4, 5], [6]]);
    expect(await g.run()).toEqual([[2, 3], [4, 5], [6]]);
  });
  it('take cancels an infinite source', async () => {
    expect(await Source.repeat(7).take(3).runWith(Sink.seq())).toEqual([7, 7, 7]);
  });
  it('yields on long runs and counts 1M elements', async () => {
    let n = 0;
    await Source.range(1, 1_000_000).runWith(Sink.forEach(() => n++));
    expect(n).toBe(1_000_000);
  });
  it('mapAsync keeps order', async () => {
    const clock = new TestClock(); // results resolve out of order, on virtual time
    const done = Source.range(1, 20)
      .mapAsync(4, (x) => timer((20 - x) % 5, clock).pipe(map(() => x * 10)))
      .runWith(Sink.seq(), clock.materializer());
    clock.advance(100);
    expect(await done).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 10));
  });
  it('buffer + async boundary preserve elements', async () => {
    const out = await Source.range(1, 1000).buffer(8, OverflowStrategy.backpressure).async(4).runWith(Sink.seq());
    expect(out.length).toBe(1000);
    expect(out[999]).toBe(1000);
  });
  it('failure names the stage and path', async () => {
    const p = Source.from([1, 2]).map((x) => { if (x === 2) throw new Error('boom'); return x; }).named('outer').runWith(Sink.seq());
    await expect(p).rejects.toBeInstanceOf(StageFailure);
    await expect(p).rejects.toMatchObject({ stage: 'map', message: expect.stringContaining('boom') });
  });
  it('head cancels', async () => {
    expect(await Source.from(gen()).runWith(Sink.head())).toBe(0);
  });
  it('async iterable', async () => {
    async function* g() { yield 1; yield 2; }
    expect(await Source.from(g()).map((x) => x + 1).runWith(Sink.seq())).toEqual([2, 3]);
  });
});
function* gen() { let i = 0; while (true) yield i++; }
