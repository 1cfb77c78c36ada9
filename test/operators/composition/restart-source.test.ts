import { Keep, KillSwitches, RestartSource, Sink, Source, StageFailure, type RestartSettings } from 'tributary';
import { TestClock, TestSink, TestSource, type SourceProbe } from 'tributary/testing';

const settings: RestartSettings = { minBackoffMs: 100, maxBackoffMs: 400, randomFactor: 0 };

/** A restarting source whose inner sources are probes (collected in `inners`), run on a test clock. */
function setup(kind: 'withBackoff' | 'onFailuresWithBackoff', s: RestartSettings = settings) {
  const clock = new TestClock();
  const inners: SourceProbe<number>[] = [];
  const source = RestartSource[kind](s, () => TestSource.probe<number>().mapMaterializedValue((p) => void inners.push(p)));
  const sink = source.runWith(TestSink.probe<number>(clock), clock.materializer());
  const last = (): SourceProbe<number> => inners[inners.length - 1]!;
  /** Advances the clock and returns how many inner sources were started so far. */
  const after = (ms: number): number => (clock.advance(ms), inners.length);
  return { clock, inners, sink, last, after };
}

describe('RestartSource.withBackoff', () => {
  it('emits the inner source\'s elements, backpressured by downstream', () => {
    const { sink, last } = setup('withBackoff');
    last().expectNoRequest();
    sink.request(1);
    last().expectRequest().sendNext(1);
    sink.expectNext(1);
    last().expectNoRequest();
  });

  it('restarts on completion and on failure, doubling the backoff up to maxBackoffMs', () => {
    const { last, after } = setup('withBackoff');
    expect(after(0)).toBe(1);
    last().sendComplete();
    expect(after(99)).toBe(1);
    expect(after(1)).toBe(2); // 100
    last().sendError(new Error('down'));
    expect(after(199)).toBe(2);
    expect(after(1)).toBe(3); // 200
    last().sendError(new Error('down'));
    expect(after(399)).toBe(3);
    expect(after(1)).toBe(4); // 400 (max)
    last().sendComplete();
    expect(after(399)).toBe(4);
    expect(after(1)).toBe(5); // still 400
  });

  it('keeps downstream demand across a restart', () => {
    const { sink, last, after } = setup('withBackoff');
    sink.request(2);
    last().sendNext(1).sendComplete();
    sink.expectNext(1);
    after(100);
    last().expectRequest().sendNext(2);
    sink.expectNext(2);
  });

  it('resets the backoff once an inner source ran for minBackoffMs, measured from its start (akka#30310)', () => {
    const { last, after } = setup('withBackoff');
    last().sendError(new Error('1'));
    after(100); // restart 1 after 100
    last().sendError(new Error('2'));
    after(200); // restart 2 after 200
    after(50); // ran only 50 ms: no reset, next delay 400
    last().sendError(new Error('3'));
    expect(after(399)).toBe(3);
    expect(after(1)).toBe(4);
    after(150); // ran 150 ms >= minBackoffMs: back to 100
    last().sendError(new Error('4'));
    expect(after(99)).toBe(4);
    expect(after(1)).toBe(5);
  });

  it('adds random jitter of up to randomFactor', () => {
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const { last, after } = setup('withBackoff', { ...settings, randomFactor: 0.4 });
      last().sendComplete();
      expect(after(119)).toBe(1);
      expect(after(1)).toBe(2); // 100 * (1 + 0.5 * 0.4)
    } finally {
      random.mockRestore();
    }
  });

  it('fails with the last error after maxRestarts within maxRestartsWithinMs', () => {
    const { sink, last, after } = setup('withBackoff', { ...settings, maxRestarts: 2, maxRestartsWithinMs: 1_000 });
    last().sendError(new Error('1'));
    after(100);
    last().sendError(new Error('2'));
    after(200);
    const third = new Error('3');
    last().sendError(third);
    expect(sink.expectError()).toBe(third);
    expect(after(10_000)).toBe(3);
  });

  it('counts restarts in a sliding window', () => {
    const { sink, last, after } = setup('withBackoff', { ...settings, maxRestarts: 1, maxRestartsWithinMs: 1_000 });
    last().sendError(new Error('1')); // restart at t=0
    after(100);
    after(1_000); // the first restart left the window
    last().sendError(new Error('2'));
    expect(after(100)).toBe(3);
    sink.expectNoMessage();
  });

  it('completes when the restart limit is reached by a completion', () => {
    const { sink, last } = setup('withBackoff', { ...settings, maxRestarts: 0 });
    last().sendComplete();
    sink.expectComplete();
  });

  it('fails at once for errors restartOn rejects, passing it the original error', () => {
    const seen: unknown[] = [];
    const fatal = new Error('auth');
    const { sink, last, after } = setup('withBackoff', { ...settings, restartOn: (e) => (seen.push(e), e !== fatal) });
    last().sendError(new Error('transient'));
    after(100);
    last().sendError(fatal);
    expect(sink.expectError()).toBe(fatal);
    expect(seen).toHaveLength(2);
    expect(after(1_000)).toBe(2);
  });

  it('treats a throwing factory as a failure', () => {
    const clock = new TestClock();
    let calls = 0;
    const sink = RestartSource.withBackoff(settings, () => {
      if (++calls < 3) throw new Error('connect failed');
      return Source.single(42);
    }).runWith(TestSink.probe<number>(clock), clock.materializer());
    sink.request(1);
    clock.advance(300);
    expect(calls).toBe(3);
    sink.expectNext(42);
  });

  it('downstream cancel cancels the inner source and stops restarting', () => {
    const { sink, last, after } = setup('withBackoff');
    const inner = last();
    sink.cancel();
    inner.expectCancellation();
    expect(after(10_000)).toBe(1);
  });

  it('downstream cancel during a backoff stops restarting', () => {
    const { sink, last, after } = setup('withBackoff');
    last().sendError(new Error('x'));
    sink.cancel();
    expect(after(10_000)).toBe(1);
  });

  it('failures of the final attempt keep the inner StageFailure', async () => {
    const clock = new TestClock();
    const p = RestartSource.withBackoff({ ...settings, maxRestarts: 0 }, () =>
      Source.single(0).map(() => {
        throw new Error('parse');
      }),
    ).runWith(Sink.seq(), clock.materializer());
    const failure = (await p.catch((e: unknown) => e)) as StageFailure;
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure.stage).toBe('map');
    expect(failure.path).toMatch(/restartSource#\d+\/.*map#\d+/);
  });

  it('validates its settings', () => {
    const f = () => Source.empty<number>();
    const bad = (s: Partial<RestartSettings>) => () => RestartSource.withBackoff({ ...settings, ...s } as RestartSettings, f);
    expect(bad({ minBackoffMs: 0 })).toThrow(/RestartSource.withBackoff: settings.minBackoffMs must be a finite, positive number of milliseconds, got 0/);
    expect(bad({ maxBackoffMs: 50 })).toThrow(/settings.maxBackoffMs \(50\) must be >= settings.minBackoffMs \(100\)/);
    expect(bad({ randomFactor: -1 })).toThrow(/settings.randomFactor must be a finite number >= 0, got -1/);
    expect(bad({ maxRestarts: 1.5 })).toThrow(/settings.maxRestarts must be a non-negative integer, got 1.5/);
    expect(bad({ maxRestartsWithinMs: 10 })).toThrow(/settings.maxRestartsWithinMs needs settings.maxRestarts/);
    expect(bad({ restartOn: 1 as never })).toThrow(/settings.restartOn must be a function/);
    expect(() => RestartSource.onFailuresWithBackoff(settings, undefined as never)).toThrow(
      /RestartSource.onFailuresWithBackoff: factory must be a function/,
    );
    expect(() => RestartSource.withBackoff(undefined as never, f)).toThrow(/settings must be an object, got undefined/);
  });
});

describe('RestartSource.onFailuresWithBackoff', () => {
  it('completes when the inner source completes', () => {
    const { sink, last, after } = setup('onFailuresWithBackoff');
    last().sendComplete();
    sink.expectComplete();
    expect(after(1_000)).toBe(1);
  });

  it('restarts after failures and resumes emitting', () => {
    const { sink, last, after } = setup('onFailuresWithBackoff');
    sink.request(2);
    last().sendNext(1).sendError(new Error('conn reset'));
    sink.expectNext(1);
    expect(after(100)).toBe(2);
    last().sendNext(2).sendComplete();
    sink.expectNext(2).expectComplete();
  });

  it('never ends by itself with withBackoff: a kill switch stops it and cancels the inner source', () => {
    const clock = new TestClock();
    const inners: SourceProbe<number>[] = [];
    const [killSwitch, sink] = RestartSource.withBackoff(settings, () =>
      TestSource.probe<number>().mapMaterializedValue((p) => void inners.push(p)),
    )
      .viaMat(KillSwitches.single<number>(), Keep.right)
      .toMat(TestSink.probe<number>(clock), Keep.both)
      .run(clock.materializer());
    inners[0]!.sendComplete();
    clock.advance(100);
    expect(inners).toHaveLength(2);
    killSwitch.shutdown();
    sink.expectComplete();
    inners[1]!.expectCancellation();
    clock.advance(10_000);
    expect(inners).toHaveLength(2);
  });
});
