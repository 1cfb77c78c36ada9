import { Subject } from 'rxjs';
import { Keep, Materializer, Source, Sink, StageFailure, Supervision, type StageInfo } from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';

/** Calls whose completion the test controls (an RxJS Subject per element). */
function controlled<T>() {
  const calls = new Map<T, Subject<T>>();
  const f = (x: T) => {
    const s = new Subject<T>();
    calls.set(x, s);
    return s;
  };
  const resolve = (x: T) => {
    calls.get(x)!.next(x);
    calls.get(x)!.complete();
  };
  return { f, calls, resolve };
}

function observed() {
  const stages: StageInfo[] = [];
  return { stages, m: new Materializer({ observer: { stageStarted: (s) => void stages.push(s) } }) };
}

describe('mapAsync (ordered)', () => {
  it('runs up to parallelism calls and emits in input order', () => {
    const { f, calls, resolve } = controlled<number>();
    const { stages, m } = observed();
    const [src, sink] = TestSource.probe<number>().mapAsync(2, f).toMat(TestSink.probe<number>(), Keep.both).run(m);
    const stats = stages.find((s) => s.name === 'mapAsync')!.stats!;
    sink.request(10);
    src.sendNext(1).sendNext(2).sendNext(3);
    expect([...calls.keys()]).toEqual([1, 2]); // 3 waits: parallelism 2
    expect(stats).toMatchObject({ inFlight: 2, buffered: 0, capacity: 2 });
    resolve(2);
    sink.expectNoMessage(); // 1 not done yet
    expect(stats).toMatchObject({ inFlight: 1, buffered: 1 });
    resolve(1);
    sink.expectNext(1, 2);
    expect([...calls.keys()]).toEqual([1, 2, 3]);
    resolve(3);
    src.sendComplete();
    sink.expectNext(3).expectComplete();
    expect(stats.peak).toBe(2);
  });

  it('backpressures when results wait for downstream', () => {
    const { f, resolve } = controlled<number>();
    const [src, sink] = TestSource.probe<number>().mapAsync(2, f).toMat(TestSink.probe<number>(), Keep.both).run();
    src.sendNext(1).sendNext(2);
    resolve(1);
    resolve(2);
    src.expectNoRequest();
    sink.request(1).expectNext(1);
    src.expectRequest();
  });

  it('fails on a rejected call and cancels upstream; resume drops it', async () => {
    const failing = (x: number) => (x === 2 ? Promise.reject(new Error('no 2')) : Promise.resolve(x));
    const p = Source.range(1, 3).mapAsync(2, failing).runWith(Sink.seq());
    await expect(p).rejects.toBeInstanceOf(StageFailure);
    await expect(p).rejects.toMatchObject({ stage: 'mapAsync', cause: new Error('no 2') });
    const resumed = await Source.range(1, 3).mapAsync(2, failing, { supervision: Supervision.resumingDecider }).runWith(Sink.seq());
    expect(resumed).toEqual([1, 3]);
  });

  it('a throwing function is supervised too', async () => {
    const p = Source.range(1, 3)
      .mapAsync(1, (x) => {
        if (x === 1) throw new TypeError('sync');
        return Promise.resolve(x);
      })
      .runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ cause: new TypeError('sync') });
  });

  it('cancel unsubscribes calls in flight', () => {
    const { f, calls } = controlled<number>();
    const [src, sink] = TestSource.probe<number>().mapAsync(2, f).toMat(TestSink.probe<number>(), Keep.both).run();
    src.sendNext(1).sendNext(2);
    expect([...calls.values()].every((s) => s.observed)).toBe(true);
    sink.cancel();
    src.expectCancellation();
    expect([...calls.values()].some((s) => s.observed)).toBe(false);
  });

  it('an ObservableInput that completes empty is an error', async () => {
    const { EMPTY } = jest.requireActual('rxjs');
    await expect(Source.single(1).mapAsync(1, () => EMPTY).runWith(Sink.seq())).rejects.toMatchObject({
      cause: { name: 'EmptyResultError' },
    });
  });
});

describe('mapAsyncUnordered', () => {
  it('emits results as they resolve and keeps at most parallelism outstanding', () => {
    const { f, calls, resolve } = controlled<number>();
    const [src, sink] = TestSource.probe<number>().mapAsyncUnordered(2, f).toMat(TestSink.probe<number>(), Keep.both).run();
    sink.request(10);
    src.sendNext(1).sendNext(2).sendNext(3).sendComplete();
    resolve(2);
    sink.expectNext(2);
    expect([...calls.keys()]).toEqual([1, 2, 3]);
    resolve(3);
    resolve(1);
    sink.expectNext(3, 1).expectComplete();
  });
});
