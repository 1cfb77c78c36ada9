import { Flow, Keep, RestartFlow, StageFailure, rootCause, type RestartSettings } from 'tributary';
import { TestClock, TestSink, TestSource } from 'tributary/testing';

class Boom extends Error {
  override readonly name = 'Boom';
}

const settings: RestartSettings = { minBackoffMs: 100, maxBackoffMs: 400, randomFactor: 0 };

/**
 * The inner flow: multiplies by 10; a negative element fails it, 0 completes it. Counts how many were created and
 * how many ended (completed, failed or cancelled).
 */
function innerFlows() {
  const state = { created: 0, ended: 0 };
  const factory = () => {
    state.created++;
    return Flow.create<number>()
      .map((x) => {
        if (x < 0) throw new Boom(`bad ${x}`);
        return x;
      })
      .takeWhile((x) => x !== 0)
      .map((x) => x * 10)
      .watchTermination()
      .mapMaterializedValue((done) => void done.then(
        () => state.ended++,
        () => state.ended++,
      ));
  };
  return { state, factory };
}

function setup(kind: 'withBackoff' | 'onFailuresWithBackoff', s: RestartSettings = settings) {
  const clock = new TestClock();
  const { state, factory } = innerFlows();
  const [src, sink] = TestSource.probe<number>()
    .via(RestartFlow[kind](s, factory))
    .toMat(TestSink.probe<number>(clock), Keep.both)
    .run(clock.materializer());
  return { clock, state, src, sink };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RestartFlow.withBackoff', () => {
  it('passes elements through the inner flow, backpressured by downstream', () => {
    const { src, sink } = setup('withBackoff');
    src.expectNoRequest();
    sink.request(1);
    src.expectRequest().sendNext(1);
    sink.expectNext(10);
    src.expectNoRequest();
  });

  it('restarts a failed inner flow after minBackoffMs, doubling up to maxBackoffMs', () => {
    const { clock, state, src, sink } = setup('withBackoff');
    sink.request(10);
    src.sendNext(-1);
    expect(state.created).toBe(1);
    clock.advance(99);
    expect(state.created).toBe(1);
    clock.advance(1);
    expect(state.created).toBe(2); // 100 ms
    src.sendNext(-2);
    clock.advance(199);
    expect(state.created).toBe(2);
    clock.advance(1);
    expect(state.created).toBe(3); // 200 ms (it ran less than minBackoffMs)
    src.sendNext(-3);
    clock.advance(400);
    expect(state.created).toBe(4);
    src.sendNext(-4);
    clock.advance(399);
    expect(state.created).toBe(4);
    clock.advance(1);
    expect(state.created).toBe(5); // capped at 400
    src.sendNext(2);
    sink.expectNext(20);
    sink.expectNoMessage();
  });

  it('restarts an inner flow that completed while upstream goes on', () => {
    const { clock, state, src, sink } = setup('withBackoff');
    sink.request(10);
    src.sendNext(1).sendNext(0); // 0 completes the inner flow
    sink.expectNext(10);
    clock.advance(100);
    expect(state.created).toBe(2);
    src.sendNext(3);
    sink.expectNext(30);
  });

  it('hands an element taken during the backoff to the next inner flow', () => {
    const { clock, src, sink } = setup('withBackoff');
    sink.request(10);
    src.sendNext(-1);
    src.sendNext(5); // taken from upstream at most once; it waits for the restart
    src.sendNext(6);
    sink.expectNoMessage(50);
    clock.advance(50);
    sink.expectNext(50, 60);
  });

  it('completes when upstream completes and the inner flow finished', () => {
    const { src, sink } = setup('withBackoff');
    sink.request(1);
    src.sendNext(1).sendComplete();
    sink.expectNext(10).expectComplete();
  });

  it('completes at once when upstream completes during the backoff', () => {
    const { clock, state, src, sink } = setup('withBackoff');
    sink.request(1);
    src.sendNext(-1);
    src.sendComplete();
    sink.expectComplete();
    clock.advance(1_000);
    expect(state.created).toBe(1);
  });

  it('fails with the upstream failure and stops the inner flow', async () => {
    const { state, src, sink } = setup('withBackoff');
    sink.request(1);
    src.sendError(new Boom('upstream'));
    expect(sink.expectError()).toBeInstanceOf(Boom);
    await settle();
    expect(state.ended).toBe(1);
  });

  it('cancels upstream and the inner flow when downstream cancels, and schedules no restart', async () => {
    const { clock, state, src, sink } = setup('withBackoff');
    sink.cancel();
    src.expectCancellation();
    await settle();
    expect(state.ended).toBe(1);
    clock.advance(1_000);
    expect(state.created).toBe(1);
  });

  it('fails with the last error once maxRestarts is reached, and at once when restartOn says no', () => {
    const limited = setup('withBackoff', { ...settings, maxRestarts: 1 });
    limited.sink.request(10);
    limited.src.sendNext(-1);
    limited.clock.advance(100);
    limited.src.sendNext(-2);
    const failure = limited.sink.expectFailure() as StageFailure;
    expect(failure).toBeInstanceOf(StageFailure);
    expect((rootCause(failure) as Error).message).toBe('bad -2');
    limited.src.expectCancellation();

    const picky = setup('withBackoff', { ...settings, restartOn: (e) => !(e instanceof Boom) });
    picky.sink.request(1);
    picky.src.sendNext(-1);
    expect(picky.sink.expectError()).toBeInstanceOf(Boom);
  });

  it('treats a throwing or wrong factory like a failed inner flow', () => {
    const clock = new TestClock();
    let calls = 0;
    const sink = TestSource.probe<number>()
      .via(
        RestartFlow.withBackoff<number, number>({ ...settings, maxRestarts: 1 }, () => {
          calls++;
          if (calls === 1) throw new Boom('factory');
          return 'not a flow' as never;
        }),
      )
      .runWith(TestSink.probe<number>(clock), clock.materializer());
    clock.advance(100);
    expect(calls).toBe(2);
    expect((sink.expectError() as Error).message).toBe('RestartFlow.withBackoff: the factory must return a Flow, got string');
  });

  it('validates its settings', () => {
    const f = () => Flow.create<number>();
    expect(() => RestartFlow.withBackoff({ ...settings, minBackoffMs: 0 }, f)).toThrow(
      'RestartFlow.withBackoff: settings.minBackoffMs must be a finite, positive number of milliseconds, got 0',
    );
    expect(() => RestartFlow.onFailuresWithBackoff(settings, undefined as never)).toThrow(
      'RestartFlow.onFailuresWithBackoff: factory must be a function, got undefined',
    );
  });
});

describe('RestartFlow.onFailuresWithBackoff', () => {
  it('restarts after failures but completes (cancelling upstream) when the inner flow completes', () => {
    const { clock, state, src, sink } = setup('onFailuresWithBackoff');
    sink.request(10);
    src.sendNext(-1);
    clock.advance(100);
    expect(state.created).toBe(2);
    src.sendNext(4).sendNext(0);
    sink.expectNext(40).expectComplete();
    src.expectCancellation();
  });
});
