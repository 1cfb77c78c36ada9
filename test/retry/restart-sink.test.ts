import { RestartSink, Sink, rootCause, type RestartSettings } from 'tributary';
import { TestClock, TestSource } from 'tributary/testing';

class Boom extends Error {
  override readonly name = 'Boom';
}

const settings: RestartSettings = { minBackoffMs: 100, maxBackoffMs: 400, randomFactor: 0 };
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Inner sinks that record what they got; a negative element fails one, 0 makes one cancel normally (take-like). */
function innerSinks() {
  const received: number[][] = [];
  const outcomes: string[] = [];
  const factory = () => {
    const mine: number[] = [];
    received.push(mine);
    return Sink.forEach<number>((x) => {
      if (x < 0) throw new Boom(`bad ${x}`);
      mine.push(x);
    })
      .mapMaterializedValue((done) =>
        done.then(
          () => void outcomes.push('completed'),
          (e: unknown) => void outcomes.push(`failed: ${(rootCause(e) as Error).message}`),
        ),
      );
  };
  return { received, outcomes, factory };
}

function setup(s: RestartSettings = settings) {
  const clock = new TestClock();
  const inner = innerSinks();
  const src = TestSource.probe<number>().to(RestartSink.withBackoff(s, inner.factory)).run(clock.materializer());
  return { clock, src, ...inner };
}

describe('RestartSink.withBackoff', () => {
  it('feeds elements to the inner sink', () => {
    const { src, received } = setup();
    src.sendNext(1).sendNext(2);
    expect(received).toEqual([[1, 2]]);
  });

  it('restarts a failed inner sink after the backoff; upstream waits meanwhile', async () => {
    const { clock, src, received, outcomes } = setup();
    src.sendNext(1).sendNext(-1);
    await settle();
    expect(outcomes).toEqual(['failed: bad -1']);
    src.sendNext(2); // taken and held for the next inner sink
    src.expectNoRequest(); // nothing more is taken during the backoff
    clock.advance(99);
    expect(received).toHaveLength(1);
    clock.advance(1);
    expect(received).toEqual([[1], [2]]);
    src.expectRequest();
    src.sendNext(-2);
    clock.advance(199);
    expect(received).toHaveLength(2);
    clock.advance(1); // doubled: 200 ms
    expect(received).toHaveLength(3);
  });

  it('restarts an inner sink that cancelled normally', () => {
    const clock = new TestClock();
    const firsts: number[] = [];
    const src = TestSource.probe<number>()
      .to(RestartSink.withBackoff(settings, () => Sink.head<number>().mapMaterializedValue((p) => void p.then((x) => firsts.push(x)))))
      .run(clock.materializer());
    src.sendNext(1);
    clock.advance(100);
    src.sendNext(2);
    clock.advance(100);
    return settle().then(() => expect(firsts).toEqual([1, 2]));
  });

  it('completes the inner sink when upstream completes', async () => {
    const { src, outcomes } = setup();
    src.sendNext(1).sendComplete();
    await settle();
    expect(outcomes).toEqual(['completed']);
  });

  it('delivers an element held during the backoff before completing, when upstream completes meanwhile', async () => {
    const { clock, src, received, outcomes } = setup();
    src.sendNext(-1).sendNext(7).sendComplete();
    clock.advance(100);
    await settle();
    expect(received).toEqual([[], [7]]);
    expect(outcomes).toEqual(['failed: bad -1', 'completed']);
  });

  it('passes an upstream failure to the inner sink', async () => {
    const { src, outcomes } = setup();
    src.sendError(new Boom('upstream'));
    await settle();
    expect(outcomes).toEqual(['failed: upstream']);
  });

  it('cancels upstream with the last cause once maxRestarts is reached, or when restartOn says no', () => {
    const limited = setup({ ...settings, maxRestarts: 1 });
    limited.src.sendNext(-1);
    limited.clock.advance(100);
    limited.src.sendNext(-2);
    expect((rootCause(limited.src.expectCancellation()) as Error).message).toBe('bad -2');

    const picky = setup({ ...settings, restartOn: () => false });
    picky.src.sendNext(-1);
    expect(rootCause(picky.src.expectCancellation())).toBeInstanceOf(Boom);
  });

  it('treats a factory that does not return a Sink as a failed inner sink', () => {
    const clock = new TestClock();
    const src = TestSource.probe<number>()
      .to(RestartSink.withBackoff<number>({ ...settings, maxRestarts: 0 }, () => 42 as never))
      .run(clock.materializer());
    expect((src.expectCancellation() as Error).message).toBe('RestartSink.withBackoff: the factory must return a Sink, got number');
  });

  it('validates its settings', () => {
    expect(() => RestartSink.withBackoff({ ...settings, randomFactor: -1 }, () => Sink.ignore())).toThrow(
      'RestartSink.withBackoff: settings.randomFactor must be a finite number >= 0, got -1',
    );
  });
});
