import { Source, StreamTimeoutError } from 'tributary';
import { failureOf, harness } from './harness';

function expectTimeout(error: unknown, stage: string, message: string): void {
  const cause = failureOf(error, stage);
  expect(cause).toBeInstanceOf(StreamTimeoutError);
  expect((cause as Error).message).toBe(message);
}

describe('initialTimeout', () => {
  it('fails with StreamTimeoutError when no element passed within ms of start', () => {
    const h = harness<number, number>((s) => s.initialTimeout(100));
    h.sink.request(1);
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    expectTimeout(h.sink.expectFailure(), 'initialTimeout', 'initialTimeout: the first element did not pass within 100 ms');
    h.src.expectCancellation();
    expect(h.stops('initialTimeout')).toBe(1);
  });

  it('counts even while downstream backpressures', () => {
    const h = harness<number, number>((s) => s.initialTimeout(100));
    h.src.sendNext(1); // waits for demand that never comes
    h.clock.advance(100);
    expect(h.sink.expectError()).toBeInstanceOf(StreamTimeoutError);
  });

  it('is disarmed by the first element', () => {
    const h = harness<number, number>((s) => s.initialTimeout(100));
    h.sink.request(2);
    h.clock.advance(99);
    h.src.sendNext(1);
    h.sink.expectNext(1).expectNoMessage(1_000);
    expect(h.timers).toBe(0);
    h.src.sendNext(2).sendComplete();
    h.sink.expectNext(2).expectComplete();
  });

  it('passes upstream failure on', () => {
    const h = harness<number, number>((s) => s.initialTimeout(100));
    h.src.sendError(new Error('down'));
    expect((h.sink.expectError() as Error).message).toBe('down');
    expect(h.timers).toBe(0);
  });

  it('cancels upstream and its timer when downstream cancels', () => {
    const h = harness<number, number>((s) => s.initialTimeout(100));
    h.sink.cancel();
    h.src.expectCancellation();
    expect(h.timers).toBe(0);
  });
});

describe('completionTimeout', () => {
  it('fails when the stream has not completed within ms, whatever passed', () => {
    const h = harness<number, number>((s) => s.completionTimeout(100));
    h.sink.request(5);
    h.src.sendNext(1);
    h.clock.advance(50);
    h.src.sendNext(2);
    h.sink.expectNext(1, 2).expectNoMessage(49);
    h.clock.advance(1);
    expectTimeout(h.sink.expectFailure(), 'completionTimeout', 'completionTimeout: the stream did not complete within 100 ms');
    h.src.expectCancellation();
  });

  it('completes normally when upstream completes in time, releasing the timer', () => {
    const h = harness<number, number>((s) => s.completionTimeout(100));
    h.sink.request(5);
    h.src.sendNext(1);
    h.clock.advance(99);
    h.src.sendComplete();
    h.sink.expectNext(1).expectComplete().expectNoMessage(100);
    expect(h.timers).toBe(0);
  });

  it('passes upstream failure on, and cancels on downstream cancel', () => {
    const h = harness<number, number>((s) => s.completionTimeout(100));
    h.src.sendError(new Error('down'));
    expect((h.sink.expectError() as Error).message).toBe('down');
    const c = harness<number, number>((s) => s.completionTimeout(100));
    c.sink.cancel();
    c.src.expectCancellation();
    expect(c.timers).toBe(0);
  });
});

describe('idleTimeout', () => {
  it('fails exactly ms after the last element', () => {
    const h = harness<number, number>((s) => s.idleTimeout(100));
    h.sink.request(5);
    h.clock.advance(50);
    h.src.sendNext(1);
    h.clock.advance(70);
    h.src.sendNext(2); // t = 120
    h.sink.expectNext(1, 2).expectNoMessage(99); // t = 219
    h.clock.advance(1);
    expectTimeout(h.sink.expectFailure(), 'idleTimeout', 'idleTimeout: no element passed for 100 ms');
    expect(h.clock.nowMs).toBe(220);
    h.src.expectCancellation();
  });

  it('fails ms after start when nothing arrives, even while downstream backpressures', () => {
    const h = harness<number, number>((s) => s.idleTimeout(100));
    h.src.sendNext(1);
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    expect(h.sink.expectError()).toBeInstanceOf(StreamTimeoutError);
  });

  it('re-arms its timer at most once per window, not per element', () => {
    const h = harness<number, number>((s) => s.idleTimeout(100));
    h.sink.request(100);
    for (let i = 0; i < 50; i++) h.src.sendNext(i);
    expect(h.timers).toBe(1);
    h.src.sendComplete();
    h.sink.expectNextN(50);
    h.sink.expectComplete();
    expect(h.timers).toBe(0);
  });

  it('passes upstream failure on, and cancels on downstream cancel', () => {
    const h = harness<number, number>((s) => s.idleTimeout(100));
    h.src.sendError(new Error('down'));
    expect((h.sink.expectError() as Error).message).toBe('down');
    const c = harness<number, number>((s) => s.idleTimeout(100));
    c.sink.cancel();
    c.src.expectCancellation();
    expect(c.timers).toBe(0);
  });
});

describe('timeout validation', () => {
  it('rejects non-positive durations, naming the operator', () => {
    const s = Source.empty<number>();
    expect(() => s.idleTimeout(0)).toThrow(/idleTimeout: ms must be a finite, positive number of milliseconds, got 0/);
    expect(() => s.initialTimeout(-5)).toThrow(/initialTimeout: ms .* got -5/);
    expect(() => s.completionTimeout(Infinity)).toThrow(/completionTimeout: ms .* got Infinity/);
  });
});
