import { EMPTY, Subject, map, throwError, timer } from 'rxjs';
import { Keep, Materializer, Sink, Source, StageFailure, type BufferStats } from 'tributary';
import { TestClock, TestSource } from 'tributary/testing';

function withStats(materializerOf: (observer: Materializer['observer']) => Materializer) {
  const stats: BufferStats[] = [];
  const materializer = materializerOf({
    stageStarted: (s) => s.name === 'forEachAsync' && s.stats && stats.push(s.stats),
  });
  return { materializer, stats: () => stats[0]! };
}

describe('Sink.forEachAsync', () => {
  it('runs up to parallelism calls at once and resolves after the last one (virtual time)', async () => {
    const clock = new TestClock();
    const { materializer, stats } = withStats((observer) => clock.materializer({ observer }));
    const started: number[] = [];
    const finished: number[] = [];
    const done = Source.range(1, 5).runWith(
      Sink.forEachAsync(2, (x: number) => {
        started.push(x);
        return timer(10, clock).pipe(map(() => finished.push(x)));
      }),
      materializer,
    );
    let resolved = false;
    void done.then(() => (resolved = true));
    expect(started).toEqual([1, 2]);
    expect(stats()).toMatchObject({ capacity: 2, inFlight: 2, demand: 0, buffered: 0 });
    clock.advance(10);
    expect(finished).toEqual([1, 2]);
    expect(started).toEqual([1, 2, 3, 4]);
    clock.advance(10);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(stats().inFlight).toBe(1);
    await Promise.resolve();
    expect(resolved).toBe(false); // the last call is still running after upstream completed
    clock.advance(10);
    await done;
    expect(finished).toEqual([1, 2, 3, 4, 5]);
    expect(stats().peak).toBe(2);
  });

  it('backpressures upstream while parallelism calls are in flight', () => {
    const calls: Subject<void>[] = [];
    const [src, done] = TestSource.probe<number>()
      .toMat(
        Sink.forEachAsync(2, () => {
          const s = new Subject<void>();
          calls.push(s);
          return s;
        }),
        Keep.both,
      )
      .run();
    src.expectRequest().sendNext(1).sendNext(2);
    src.expectNoRequest();
    src.sendNext(3);
    expect(calls.length).toBe(2);
    calls[0]!.next();
    expect(calls.length).toBe(3);
    src.expectNoRequest();
    calls[1]!.complete(); // completing without a value also counts as done
    src.expectRequest();
    src.sendComplete();
    calls[2]!.next();
    return expect(done).resolves.toBeUndefined();
  });

  it('accepts promises', async () => {
    const seen: number[] = [];
    await Source.range(1, 20).runWith(Sink.forEachAsync(4, async (x: number) => void seen.push(x)));
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('rejects with a StageFailure and cancels upstream when a call fails, unsubscribing calls in flight', async () => {
    const boom = new Error('write failed');
    const pending = new Subject<void>();
    const [src, done] = TestSource.probe<number>()
      .toMat(Sink.forEachAsync(3, (x: number) => (x === 2 ? throwError(() => boom) : pending)), Keep.both)
      .run();
    src.sendNext(1);
    expect(pending.observed).toBe(true);
    src.sendNext(2);
    await expect(done).rejects.toBeInstanceOf(StageFailure);
    await expect(done).rejects.toMatchObject({ stage: 'forEachAsync', cause: boom });
    src.expectCancellation();
    expect(pending.observed).toBe(false);
  });

  it('fails when f throws synchronously', async () => {
    const boom = new Error('sync');
    const done = Source.range(1, 3).runWith(
      Sink.forEachAsync(2, () => {
        throw boom;
      }),
    );
    await expect(done).rejects.toMatchObject({ stage: 'forEachAsync', cause: boom });
  });

  it('rejects with the upstream failure as delivered', async () => {
    const done = Source.failed<number>(new Error('up')).runWith(Sink.forEachAsync(2, () => EMPTY));
    await expect(done).rejects.toMatchObject({ stage: 'failed', cause: expect.objectContaining({ message: 'up' }) });
  });

  it('validates its arguments', () => {
    expect(() => Sink.forEachAsync(0, () => EMPTY)).toThrow(/Sink\.forEachAsync: parallelism must be a positive integer, got 0/);
    expect(() => Sink.forEachAsync(1, null as never)).toThrow(/Sink\.forEachAsync: f must be a function/);
  });
});
