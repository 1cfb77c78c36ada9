import { bufferCount, delay, distinctUntilChanged, of, pairwise, scan, take } from 'rxjs';
import { AlreadySubscribedError, Flow, Keep, NoSuchElementError, Sink, Source, StageFailure, UnboundedOperatorError, rootCause } from 'tributary';
import { TestClock, TestSink, TestSource } from 'tributary/testing';

describe('Source.from', () => {
  it('pulls an iterator lazily and calls return() on cancel', () => {
    let produced = 0;
    let returned = false;
    function* naturals() {
      try {
        for (;;) {
          produced++;
          yield produced;
        }
      } finally {
        returned = true;
      }
    }
    const sink = Source.from(naturals()).runWith(TestSink.probe<number>());
    expect(produced).toBe(0);
    sink.request(2).expectNext(1, 2);
    expect(produced).toBe(2);
    sink.cancel();
    expect(returned).toBe(true);
  });

  it('a throwing iterator fails the stream with the source stage named', async () => {
    function* bad() {
      yield 1;
      throw new Error('disk');
    }
    const p = Source.from(bad()).runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'fromIterator', cause: new Error('disk') });
  });

  it('async iterables: one next() at a time, return() on cancel', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let closed = false;
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          async next() {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await Promise.resolve();
            inFlight--;
            return { done: false, value: i++ };
          },
          async return() {
            closed = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    expect(await Source.from(iterable).take(5).runWith(Sink.seq())).toEqual([0, 1, 2, 3, 4]);
    expect(maxInFlight).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(true);
  });

  it('promises: value or failure', async () => {
    expect(await Source.from(Promise.resolve(7)).runWith(Sink.seq())).toEqual([7]);
    await expect(Source.from(Promise.reject(new Error('nope'))).runWith(Sink.seq())).rejects.toMatchObject({
      stage: 'fromPromise',
    });
  });

  it('rejects what it cannot read, with directions', () => {
    expect(() => Source.from(of(1) as never)).toThrow(/use Source.fromObservable/);
    expect(() => Source.from(42 as never)).toThrow('Source.from: expected an array, iterable, async iterable or promise, got number');
  });

  it('single, empty, failed, never, range, repeat, cycle', async () => {
    expect(await Source.single('x').runWith(Sink.seq())).toEqual(['x']);
    expect(await Source.empty<number>().runWith(Sink.seq())).toEqual([]);
    await expect(Source.failed(new Error('f')).runWith(Sink.seq())).rejects.toMatchObject({ stage: 'failed' });
    const never = Source.never<number>().runWith(TestSink.probe<number>());
    never.request(1).expectNoMessage();
    never.cancel();
    expect(await Source.range(5, 1, -2).runWith(Sink.seq())).toEqual([5, 3, 1]);
    expect(await Source.repeat('r').take(2).runWith(Sink.seq())).toEqual(['r', 'r']);
    expect(await Source.cycle(() => [1, 2]).take(5).runWith(Sink.seq())).toEqual([1, 2, 1, 2, 1]);
  });

  it('keeps timers and I/O live during a long synchronous run', async () => {
    let seenAtTimer = -1;
    let count = 0;
    setTimeout(() => (seenAtTimer = count), 0);
    await Source.range(1, 2_000_000).runWith(Sink.forEach(() => count++));
    expect(seenAtTimer).toBeGreaterThan(0);
    expect(seenAtTimer).toBeLessThan(2_000_000);
  });
});

describe('fairness across promise callbacks', () => {
  // Without a yield counted across callbacks, these streams are endless microtask chains: the timer never fires
  // and the tests time out.
  it('a source whose demand returns through promises still lets timers run', async () => {
    let fired = false;
    setTimeout(() => (fired = true), 0);
    const n = await Source.repeat(1)
      .mapAsync(1, (x) => Promise.resolve(x))
      .takeWhile(() => !fired)
      .runWith(Sink.fold(0, (a: number) => a + 1));
    expect(fired).toBe(true);
    expect(n).toBeGreaterThan(0);
  });

  it('an endless async generator still lets timers run', async () => {
    let fired = false;
    setTimeout(() => (fired = true), 0);
    async function* endless() {
      for (let i = 0; ; i++) yield i;
    }
    const n = await Source.from(endless())
      .takeWhile(() => !fired)
      .runWith(Sink.fold(0, (a: number) => a + 1));
    expect(fired).toBe(true);
    expect(n).toBeGreaterThan(0);
  });
});

describe('sinks', () => {
  it('head / headOption / last / lastOption', async () => {
    expect(await Source.range(1, 3).runWith(Sink.head())).toBe(1);
    expect(await Source.range(1, 3).runWith(Sink.last())).toBe(3);
    expect(await Source.empty<number>().runWith(Sink.headOption())).toBeUndefined();
    expect(await Source.empty<number>().runWith(Sink.lastOption())).toBeUndefined();
    const err = await Source.empty<number>().runWith(Sink.head()).catch((e) => e);
    expect(err).toBeInstanceOf(StageFailure);
    expect(rootCause(err)).toBeInstanceOf(NoSuchElementError);
  });

  it('head cancels upstream after the first element', () => {
    const [src, p] = TestSource.probe<number>().toMat(Sink.head(), Keep.both).run();
    src.expectRequest().sendNext(1);
    src.expectCancellation();
    return expect(p).resolves.toBe(1);
  });

  it('fold / reduce / seq give fresh results per run', async () => {
    const sum = Source.range(1, 4).toMat(Sink.fold(0, (a: number, b: number) => a + b), Keep.right);
    expect(await sum.run()).toBe(10);
    expect(await sum.run()).toBe(10);
    const seq = Source.range(1, 2).toMat(Sink.seq<number>(), Keep.right);
    expect(await seq.run()).toEqual([1, 2]);
    expect(await seq.run()).toEqual([1, 2]);
    expect(await Source.range(1, 4).runWith(Sink.reduce((a: number, b: number) => a * b))).toBe(24);
    await expect(Source.empty<number>().runWith(Sink.reduce((a: number) => a))).rejects.toMatchObject({
      cause: { name: 'NoSuchElementError' },
    });
  });

  it('forEach: a throwing callback fails the sink and cancels upstream', async () => {
    const [src, done] = TestSource.probe<number>()
      .toMat(
        Sink.forEach(() => {
          throw new Error('sink');
        }),
        Keep.both,
      )
      .run();
    src.sendNext(1);
    src.expectCancellation();
    await expect(done).rejects.toMatchObject({ stage: 'forEach', cause: new Error('sink') });
  });

  it('a failing stream nobody awaits does not cause an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    Source.failed(new Error('ignored')).to(Sink.ignore()).run();
    await new Promise((r) => setImmediate(r));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
});

describe('RxJS interop', () => {
  it('Flow.fromOperator fuses synchronous operators, with backpressure', () => {
    const flow = Flow.fromOperator<number, number[]>(bufferCount(2));
    const [src, sink] = TestSource.probe<number>().via(flow).toMat(TestSink.probe<number[]>(), Keep.both).run();
    sink.request(1);
    src.sendNext(1).sendNext(2).sendNext(3);
    sink.expectNext([1, 2]);
    src.sendComplete();
    sink.expectNoMessage();
    sink.request(1).expectNext([3]).expectComplete();
  });

  it('Flow.fromOperator handles stateful and expanding operators', async () => {
    const out = await Source.from([1, 1, 2, 3, 3])
      .via(Flow.fromOperator<number, number>(distinctUntilChanged()))
      .via(Flow.fromOperator<number, [number, number]>(pairwise()))
      .via(Flow.fromOperator<[number, number], number>(scan((acc, [a, b]) => acc + a * b, 0)))
      .runWith(Sink.seq());
    expect(out).toEqual([2, 8]);
  });

  it('Flow.fromOperator fails clearly when an operator emits without demand (not synchronous)', () => {
    const clock = new TestClock();
    const sink = Source.range(1, 2000)
      .via(Flow.fromOperator<number, number>(delay(0, clock)))
      .runWith(TestSink.probe<number>(clock), clock.materializer());
    sink.request(1);
    clock.advance(0);
    sink.expectNext(1);
    const error = sink.expectError();
    expect(error).toBeInstanceOf(UnboundedOperatorError);
    expect((error as Error).message).toContain('only synchronous operators can be fused');
  });

  it('toObservable runs the stream per subscription and cancels on unsubscribe; a materialized one is single-use', () => {
    let pulled = 0;
    const naturals = {
      *[Symbol.iterator]() {
        for (let i = 1; ; i++) {
          pulled++;
          yield i;
        }
      },
    };
    const obs = Source.from(naturals).toObservable();
    expect(pulled).toBe(0); // cold: nothing runs before subscription
    const seen: number[] = [];
    obs.pipe(take(3)).subscribe((x) => seen.push(x));
    expect(seen).toEqual([1, 2, 3]);
    expect(pulled).toBe(3);
    const again: number[] = [];
    obs.pipe(take(2)).subscribe((x) => again.push(x));
    expect(again).toEqual([1, 2]); // a second, independent run
    expect(pulled).toBe(5);
    const materialized = Source.range(1, 2).runWith(Sink.toObservable<number>());
    materialized.subscribe();
    let error: unknown;
    materialized.subscribe({ error: (e) => (error = e) });
    expect(error).toBeInstanceOf(AlreadySubscribedError);
  });

  it('Sink.toObservable delivers completion and errors that happened before subscription', async () => {
    const done = Source.range(1, 2).runWith(Sink.toObservable<number>());
    const values: number[] = [];
    await new Promise<void>((resolve) => done.subscribe({ next: (x) => values.push(x), complete: resolve }));
    expect(values).toEqual([1, 2]);
    const failed = Source.failed<number>(new Error('x')).runWith(Sink.toObservable<number>());
    await expect(
      new Promise((resolve, reject) => failed.subscribe({ complete: () => resolve(undefined), error: reject })),
    ).rejects.toBeInstanceOf(StageFailure);
  });
});
