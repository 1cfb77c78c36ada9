import { Keep, Sink, Source } from 'tributary';
import { TestClock, TestSink } from 'tributary/testing';

function tickProbe(initialDelayMs: number, intervalMs: number) {
  const clock = new TestClock();
  const stopped: string[] = [];
  const [cancellable, sink] = Source.tick(initialDelayMs, intervalMs, 'x')
    .toMat(TestSink.probe<string>(clock), Keep.both)
    .run(clock.materializer({ observer: { stageStopped: (s) => void stopped.push(s.name) } }));
  return { clock, cancellable, sink, stopped };
}

describe('Source.tick', () => {
  it('emits after the initial delay, then every interval', () => {
    const { clock, sink } = tickProbe(50, 100);
    sink.request(3);
    sink.expectNoMessage(49);
    clock.advance(1);
    sink.expectNext('x'); // t = 50
    sink.expectNoMessage(99);
    clock.advance(1);
    sink.expectNext('x'); // t = 150
    clock.advance(100);
    sink.expectNext('x'); // t = 250
  });

  it('drops ticks while downstream has no demand, without catching up later', () => {
    const { clock, sink } = tickProbe(0, 100);
    clock.advance(250); // ticks at 0, 100, 200 are dropped
    sink.request(5);
    sink.expectNoMessage(49);
    clock.advance(1);
    sink.expectNext('x'); // t = 300
    sink.expectNoMessage(99);
  });

  it('completes when cancelled through its Cancellable and releases its timer', () => {
    const { clock, cancellable, sink, stopped } = tickProbe(0, 100);
    sink.request(5);
    clock.advance(100);
    sink.expectNext('x', 'x');
    expect(cancellable.isCancelled).toBe(false);
    cancellable.cancel();
    cancellable.cancel();
    expect(cancellable.isCancelled).toBe(true);
    sink.expectComplete().expectNoMessage(500);
    expect(clock.actions.length).toBe(0);
    expect(stopped.filter((n) => n === 'tick')).toHaveLength(1);
  });

  it('stops its timer when downstream cancels', () => {
    const { clock, sink, stopped } = tickProbe(0, 100);
    sink.request(1);
    clock.advance(0);
    sink.expectNext('x');
    sink.cancel();
    expect(clock.actions.length).toBe(0);
    expect(stopped).toContain('tick');
  });

  it('feeds a real sink under virtual time', async () => {
    const clock = new TestClock();
    const [cancellable, done] = Source.tick(10, 10, 1)
      .toMat(Sink.fold(0, (a: number, b: number) => a + b), Keep.both)
      .run(clock.materializer());
    clock.advance(50);
    cancellable.cancel();
    expect(await done).toBe(5);
  });

  it('validates its arguments', () => {
    expect(() => Source.tick(-1, 100, 'x')).toThrow(/tick: initialDelayMs must be a finite, non-negative number .*got -1/);
    expect(() => Source.tick(0, 0, 'x')).toThrow(/tick: intervalMs must be a finite, positive number .*got 0/);
  });
});
