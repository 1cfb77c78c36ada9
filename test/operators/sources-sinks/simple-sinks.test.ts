import { Subject, toArray, firstValueFrom } from 'rxjs';
import { Keep, NoMoreElementsNeeded, Sink, Source, StageFailure } from 'tributary';
import { TestClock, TestSource } from 'tributary/testing';

describe('Sink.cancelled', () => {
  it('cancels upstream at start without demanding', () => {
    const src = TestSource.probe<number>().to(Sink.cancelled()).run();
    expect(src.expectCancellation()).toBeInstanceOf(NoMoreElementsNeeded);
    expect(src.demandSignals).toBe(0);
  });

  it('stops an infinite source and releases its resources', async () => {
    let closes = 0;
    Source.unfoldResourceAsync(
      async () => 'r',
      async () => 1,
      () => void closes++,
    )
      .to(Sink.cancelled())
      .run();
    await new Promise((r) => setImmediate(r));
    expect(closes).toBe(1);
  });
});

describe('Sink.onComplete', () => {
  it('calls back without an argument on completion, after consuming everything', async () => {
    const calls: unknown[][] = [];
    let consumed = 0;
    Source.range(1, 3)
      .map((x) => (consumed++, x))
      .to(Sink.onComplete((...args) => calls.push(args)))
      .run();
    expect(consumed).toBe(3);
    expect(calls).toEqual([[]]);
  });

  it('calls back with the StageFailure on failure', () => {
    const boom = new Error('boom');
    let got: unknown;
    Source.from([1, 2])
      .map((x) => {
        if (x === 2) throw boom;
        return x;
      })
      .to(Sink.onComplete((e) => (got = e)))
      .run();
    expect(got).toBeInstanceOf(StageFailure);
    expect(got).toMatchObject({ stage: 'map', cause: boom });
  });

  it('always demands', () => {
    const src = TestSource.probe<number>().to(Sink.onComplete(() => {})).run();
    src.expectRequest().sendNext(1).sendNext(2).expectRequest();
    expect(src.pending).toBe(0);
  });

  it('rethrows an error thrown by the callback from a scheduler task instead of breaking upstream', () => {
    const clock = new TestClock();
    const src = TestSource.probe<number>()
      .to(
        Sink.onComplete(() => {
          throw new Error('callback bug');
        }),
      )
      .run(clock.materializer());
    expect(() => src.sendComplete()).not.toThrow();
    expect(() => clock.tick()).toThrow('callback bug');
  });

  it('validates the callback', () => {
    expect(() => Sink.onComplete(undefined as never)).toThrow(/Sink\.onComplete: callback must be a function/);
  });
});

describe('Sink.fromObserver', () => {
  it('forwards elements and completion to an observer (a Subject)', async () => {
    const subject = new Subject<number>();
    const all = firstValueFrom(subject.pipe(toArray()));
    Source.range(1, 4).to(Sink.fromObserver(subject)).run();
    expect(await all).toEqual([1, 2, 3, 4]);
  });

  it('forwards the failure as a StageFailure', () => {
    const boom = new Error('x');
    const events: string[] = [];
    const src = TestSource.probe<number>()
      .to(Sink.fromObserver<number>({ next: (x) => events.push(`n${x}`), error: (e) => events.push(`e:${(e as StageFailure).cause === boom}`) }))
      .run();
    src.sendNext(1).sendError(new StageFailure('probe', 'probe#0', boom));
    expect(events).toEqual(['n1', 'e:true']);
  });

  it('always demands, even with a partial observer', () => {
    const src = TestSource.probe<number>().to(Sink.fromObserver<number>({})).run();
    src.sendNext(1).sendNext(2).sendNext(3);
    src.expectRequest();
    expect(src.pending).toBe(0);
  });

  it('fails the stream when next throws: cancels upstream and tells the observer', () => {
    const boom = new Error('observer bug');
    let error: unknown;
    const [src] = TestSource.probe<number>()
      .toMat(
        Sink.fromObserver<number>({
          next: () => {
            throw boom;
          },
          error: (e) => (error = e),
        }),
        Keep.both,
      )
      .run();
    src.sendNext(1);
    expect(src.expectCancellation()).toBeInstanceOf(StageFailure);
    expect(error).toMatchObject({ name: 'StageFailure', stage: 'fromObserver', cause: boom });
  });

  it('validates the observer', () => {
    expect(() => Sink.fromObserver(null as never)).toThrow(/Sink\.fromObserver: observer must be an object/);
  });
});
