import { Observable, Subject, interval, range } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { BufferOverflowError, Keep, Materializer, Sink, Source, StageFailure, type BufferStats, type DroppingOverflowStrategy } from 'tributary';
import { TestClock, TestSink } from 'tributary/testing';

function fromSubject(overflow: DroppingOverflowStrategy, bufferSize = 2) {
  const subject = new Subject<number>();
  const stats: BufferStats[] = [];
  const materializer = new Materializer({
    observer: { stageStarted: (s) => s.name === 'fromObservable' && s.stats && stats.push(s.stats) },
  });
  const probe = Source.fromObservable(subject, { bufferSize, overflow }).runWith(TestSink.probe<number>(), materializer);
  return { subject, probe, stats: () => stats[0]! };
}

describe('Source.fromObservable', () => {
  it('subscribes at start and passes elements through while downstream has demand', () => {
    const { subject, probe } = fromSubject('fail');
    expect(subject.observed).toBe(true);
    probe.request(2);
    subject.next(1);
    subject.next(2);
    probe.expectNext(1, 2);
  });

  it('buffers up to bufferSize while downstream is not ready and delivers in order', () => {
    const { subject, probe, stats } = fromSubject('fail', 3);
    subject.next(1);
    subject.next(2);
    expect(stats()).toMatchObject({ capacity: 3, buffered: 2, demand: 1 });
    probe.request(1).expectNext(1);
    probe.request(5).expectNext(2);
    subject.next(3);
    probe.expectNext(3);
    expect(stats().peak).toBe(2);
  });

  it.each([
    ['dropHead', [2, 3]],
    ['dropTail', [1, 3]],
    ['dropBuffer', [3]],
    ['dropNew', [1, 2]],
  ] as const)('applies %s when the buffer is full', (overflow, expected) => {
    const { subject, probe, stats } = fromSubject(overflow);
    subject.next(1);
    subject.next(2);
    subject.next(3);
    expect(stats().buffered).toBeLessThanOrEqual(2);
    subject.complete();
    probe.request(10);
    expect(probe.received).toEqual(expected);
    probe.expectNextN(expected.length);
    probe.expectComplete();
  });

  it('fails with BufferOverflowError under the fail strategy and unsubscribes', () => {
    const { subject, probe } = fromSubject('fail');
    subject.next(1);
    subject.next(2);
    subject.next(3);
    const failure = probe.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'fromObservable' });
    expect((failure as StageFailure).cause).toBeInstanceOf(BufferOverflowError);
    expect(subject.observed).toBe(false);
  });

  it('completes after the buffered elements', () => {
    const { subject, probe } = fromSubject('dropNew');
    subject.next(1);
    subject.complete();
    probe.expectNoMessage();
    probe.request(1).expectNext(1).expectComplete();
  });

  it('fails at once on an observable error, dropping buffered elements (like Source.actorRef)', () => {
    const { subject, probe } = fromSubject('dropNew');
    const boom = new Error('boom');
    subject.next(1);
    subject.error(boom);
    const failure = probe.expectFailure();
    expect(failure).toMatchObject({ stage: 'fromObservable', cause: boom });
    probe.request(1).expectNoMessage();
  });

  it('unsubscribes when downstream cancels', () => {
    const { subject, probe } = fromSubject('dropHead');
    subject.next(1);
    probe.cancel();
    expect(subject.observed).toBe(false);
  });

  it('does not subscribe when downstream cancelled before start', () => {
    const subject = new Subject<number>();
    Source.fromObservable(subject, { bufferSize: 1, overflow: 'fail' }).to(Sink.cancelled()).run();
    expect(subject.observed).toBe(false);
  });

  it('stops a synchronous infinite observable when downstream cancels', async () => {
    let emitted = 0;
    const endless = new Observable<number>((s) => {
      for (let i = 0; !s.closed; i++) (emitted++, s.next(i));
    });
    const out = await Source.fromObservable(endless, { bufferSize: 4, overflow: 'dropNew' }).take(3).runWith(Sink.seq());
    expect(out).toEqual([0, 1, 2]);
    expect(emitted).toBe(3);
  });

  it('takes synchronous observables whole when downstream keeps up', async () => {
    const out = await Source.fromObservable(range(1, 100), { bufferSize: 1, overflow: 'fail' }).runWith(Sink.seq());
    expect(out.length).toBe(100);
  });

  it('drops ticks of an interval on virtual time for a slow consumer (dropHead keeps the newest)', () => {
    const clock = new TestClock();
    const probe = Source.fromObservable(interval(10, clock), { bufferSize: 2, overflow: 'dropHead' }).runWith(
      TestSink.probe<number>(clock),
      clock.materializer(),
    );
    probe.request(1);
    clock.advance(10);
    probe.expectNext(0);
    clock.advance(50); // ticks 1..5 arrive; only the 2 newest are kept
    probe.request(3).expectNext(4, 5).expectNoMessage();
    clock.advance(10);
    probe.expectNext(6);
    probe.cancel();
    clock.advance(100);
    probe.expectNoMessage();
  });

  it('works under the RxJS TestScheduler with hot observables', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const src = hot('--a--b--c--|');
      const out = Source.fromObservable(src, { bufferSize: 4, overflow: 'fail' }).map((x) => x.toUpperCase()).toObservable();
      expectObservable(out).toBe('--A--B--C--|');
      expectSubscriptions(src.subscriptions).toBe('^----------!');
    });
  });

  it('accepts any ObservableInput (a promise)', async () => {
    const out = await Source.fromObservable(Promise.resolve(5), { bufferSize: 1, overflow: 'fail' }).runWith(Sink.seq());
    expect(out).toEqual([5]);
  });

  it('validates bufferSize and overflow (backpressure is impossible)', () => {
    const s = new Subject<number>();
    expect(() => Source.fromObservable(s, { bufferSize: 1, overflow: 'backpressure' as never })).toThrow(
      /Source\.fromObservable: overflow 'backpressure' is impossible/,
    );
    expect(() => Source.fromObservable(s, { bufferSize: 1, overflow: 'sometimes' as never })).toThrow(/overflow must be one of/);
    expect(() => Source.fromObservable(s, { bufferSize: 0, overflow: 'fail' })).toThrow(
      /Source\.fromObservable: bufferSize must be a positive integer, got 0/,
    );
    expect(() => Source.fromObservable(s, undefined as never)).toThrow(/options \{ bufferSize, overflow \} are required/);
  });

  it('rejects what is not an ObservableInput when the source is created, not in the middle of run()', () => {
    // Regression: this was only noticed when the source subscribed, throwing out of run() with half the graph started.
    for (const bad of [42, null, {}]) {
      expect(() => Source.fromObservable(bad as never, { bufferSize: 1, overflow: 'fail' })).toThrow(
        /Source\.fromObservable: observable must be an ObservableInput/,
      );
    }
  });

  it('materializes NotUsed', () => {
    const [m] = Source.fromObservable(new Subject<number>(), { bufferSize: 1, overflow: 'dropNew' })
      .toMat(Sink.ignore(), Keep.both)
      .run();
    expect(m).toBeUndefined();
  });
});
