import { EMPTY, Observable, Subject, map, of, throwError, timer } from 'rxjs';
import { Keep, Sink, Source, StageFailure } from 'tributary';
import { TestClock, TestSink } from 'tributary/testing';

describe('Source.unfold', () => {
  it('emits elements computed from the state and completes on undefined', async () => {
    const out = await Source.unfold(0, (n) => (n < 3 ? [n + 1, n * 10] : undefined)).runWith(Sink.seq());
    expect(out).toEqual([0, 10, 20]);
  });

  it('computes a step only when downstream pulls (backpressure)', () => {
    let calls = 0;
    const probe = Source.unfold(0, (n) => (calls++, [n + 1, n] as const)).runWith(TestSink.probe<number>());
    expect(calls).toBe(0);
    probe.request(2).expectNext(0, 1);
    expect(calls).toBe(2);
    probe.expectNoMessage();
    expect(calls).toBe(2);
    probe.request(1).expectNext(2);
    expect(calls).toBe(3);
    probe.cancel();
  });

  it('stops calling f after downstream cancels', async () => {
    let calls = 0;
    const out = await Source.unfold(0, (n) => (calls++, [n + 1, n] as const)).take(5).runWith(Sink.seq());
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(calls).toBe(5);
  });

  it('fails with a StageFailure naming unfold when f throws', async () => {
    const boom = new Error('boom');
    const p = Source.unfold(0, (n) => {
      if (n === 2) throw boom;
      return [n + 1, n];
    }).runWith(Sink.seq());
    await expect(p).rejects.toBeInstanceOf(StageFailure);
    await expect(p).rejects.toMatchObject({ stage: 'unfold', cause: boom });
  });

  it('fails clearly when f returns something that is not a pair', async () => {
    const p = Source.unfold(0, () => 42 as never).runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'unfold', cause: expect.objectContaining({ name: 'TypeError' }) });
    await expect(p).rejects.toThrow(/\[nextState, element\]/);
  });

  it('validates f at creation', () => {
    expect(() => Source.unfold(0, 'nope' as never)).toThrow(/Source\.unfold: f must be a function, got string/);
  });
});

describe('Source.unfoldAsync', () => {
  it('emits the results of asynchronous steps (promises)', async () => {
    const out = await Source.unfoldAsync(1, async (n) => (n <= 3 ? ([n + 1, `p${n}`] as const) : undefined)).runWith(
      Sink.seq(),
    );
    expect(out).toEqual(['p1', 'p2', 'p3']);
  });

  it('runs one step at a time, on demand, with observables on virtual time', () => {
    const clock = new TestClock();
    let inFlight = 0;
    let maxInFlight = 0;
    let calls = 0;
    const probe = Source.unfoldAsync(0, (n) => {
      calls++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return timer(10, clock).pipe(
        map(() => {
          inFlight--;
          return n < 3 ? ([n + 1, n] as const) : undefined;
        }),
      );
    }).runWith(TestSink.probe<number>(clock), clock.materializer());
    expect(calls).toBe(0);
    probe.request(10);
    probe.expectNoMessage(9);
    clock.advance(1);
    probe.expectNext(0);
    clock.advance(10);
    probe.expectNext(1);
    clock.advance(20);
    probe.expectNext(2).expectComplete();
    expect(maxInFlight).toBe(1);
    expect(calls).toBe(4);
  });

  it('does not start a step without demand', () => {
    const clock = new TestClock();
    let calls = 0;
    const probe = Source.unfoldAsync(0, (n) => (calls++, of([n + 1, n] as const))).runWith(
      TestSink.probe<number>(clock),
      clock.materializer(),
    );
    probe.request(2).expectNext(0, 1);
    probe.expectNoMessage(100);
    expect(calls).toBe(2);
    probe.cancel();
  });

  it('unsubscribes the step in flight when cancelled', () => {
    const clock = new TestClock();
    let unsubscribed = 0;
    const step = new Subject<readonly [number, number]>();
    const probe = Source.unfoldAsync(
      0,
      () =>
        new Observable<readonly [number, number]>((s) => {
          const sub = step.subscribe(s);
          return () => (unsubscribed++, sub.unsubscribe());
        }),
    ).runWith(TestSink.probe<number>(clock), clock.materializer());
    probe.request(1);
    expect(step.observed).toBe(true);
    probe.cancel();
    expect(unsubscribed).toBe(1);
    expect(step.observed).toBe(false);
  });

  it('fails when the step rejects, errors or throws', async () => {
    const boom = new Error('boom');
    for (const f of [
      () => Promise.reject(boom),
      () => throwError(() => boom),
      () => {
        throw boom;
      },
    ]) {
      const p = Source.unfoldAsync(0, f as never).runWith(Sink.seq());
      await expect(p).rejects.toMatchObject({ name: 'StageFailure', stage: 'unfoldAsync', cause: boom });
    }
  });

  it('fails when a step completes without a value', async () => {
    const p = Source.unfoldAsync(0, () => EMPTY).runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'unfoldAsync', cause: expect.objectContaining({ name: 'EmptyResultError' }) });
  });

  it('keeps the materialized value NotUsed and composes', async () => {
    const [m, out] = Source.unfoldAsync(0, async (n) => (n < 2 ? ([n + 1, n] as const) : undefined))
      .toMat(Sink.seq(), Keep.both)
      .run();
    expect(m).toBeUndefined();
    expect(await out).toEqual([0, 1]);
  });
});
