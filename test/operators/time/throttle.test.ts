import { RateExceededError, Source } from 'tributary';
import { failureOf, harness } from './harness';

/** Sends `count` elements 1..count at once and records the virtual time each one reaches the sink. */
function arrivalTimes(h: ReturnType<typeof harness<number, number>>, count: number, untilMs: number): number[] {
  const times: number[] = [];
  h.sink.request(count);
  for (let i = 1; i <= count; i++) h.src.sendNext(i);
  let seen = 0;
  const record = (): void => {
    for (; seen < h.sink.received.length; seen++) times.push(h.clock.nowMs);
  };
  record();
  while (h.clock.nowMs < untilMs) {
    h.clock.advance(1);
    record();
  }
  expect(h.sink.received).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  return times;
}

describe('throttle', () => {
  it('spaces elements by the token interval once the burst is spent (burst 1 for 1 per 100 ms)', () => {
    const h = harness<number, number>((s) => s.throttle(1, 100));
    expect(arrivalTimes(h, 4, 300)).toEqual([0, 100, 200, 300]);
  });

  it('uses Akka’s automatic burst: the tokens of 100 ms', () => {
    const h = harness<number, number>((s) => s.throttle(100, 1_000)); // a token every 10 ms, burst 10
    expect(arrivalTimes(h, 13, 30)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 20, 30]);
  });

  it('keeps the rate exact when the token interval is fractional (3 per second)', () => {
    const h = harness<number, number>((s) => s.throttle(3, 1_000));
    expect(arrivalTimes(h, 7, 2_000)).toEqual([0, 334, 667, 1_000, 1_334, 1_667, 2_000]);
  });

  it('honours an explicit burst, and refills the bucket only up to it while idle', () => {
    const h = harness<number, number>((s) => s.throttle(1, 100, { burst: 3 }));
    expect(arrivalTimes(h, 4, 100)).toEqual([0, 0, 0, 100]);
    h.clock.advance(1_000); // idle: the bucket holds 3 again, not 10
    h.sink.request(4);
    for (let i = 5; i <= 8; i++) h.src.sendNext(i);
    h.sink.expectNext(1, 2, 3, 4, 5, 6, 7);
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    h.sink.expectNext(8);
  });

  it('charges costOf(element) tokens', () => {
    const h = harness<number, number>((s) => s.throttle(10, 100, { burst: 10, costOf: (x) => x * 5 }));
    h.sink.request(3);
    h.src.sendNext(2); // 10 tokens: the whole bucket
    h.sink.expectNext(2);
    h.src.sendNext(1); // 5 tokens arrive after 50 ms
    h.sink.expectNoMessage(49);
    h.clock.advance(1);
    h.sink.expectNext(1);
  });

  it('backpressures while an element waits for tokens', () => {
    const h = harness<number, number>((s) => s.throttle(1, 100));
    h.sink.request(10);
    h.src.sendNext(1).sendNext(2).sendNext(3);
    h.sink.expectNext(1);
    expect(h.src.pending).toBe(1); // 2 waits in the stage, 3 is not requested
    h.src.expectNoRequest();
    h.clock.advance(100);
    h.sink.expectNext(2);
    expect(h.src.pending).toBe(0); // 3 was pulled and now waits for its token
    h.clock.advance(100);
    h.sink.expectNext(3);
    h.src.expectRequest();
  });

  it('does not pull upstream without downstream demand', () => {
    const h = harness<number, number>((s) => s.throttle(1, 100));
    h.src.sendNext(1);
    h.sink.expectNoMessage(500);
    expect(h.src.pending).toBe(1);
    h.sink.request(1).expectNext(1);
  });

  it('emits a waiting element before completing', () => {
    const h = harness<number, number>((s) => s.throttle(1, 100));
    h.sink.request(5);
    h.src.sendNext(1).sendNext(2).sendComplete();
    h.sink.expectNext(1);
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    h.sink.expectNext(2).expectComplete();
  });

  it('fails in enforcing mode when an element arrives without tokens', () => {
    const h = harness<number, number>((s) => s.throttle(1, 100, { mode: 'enforcing' }));
    h.sink.request(5);
    h.src.sendNext(1);
    h.clock.advance(100);
    h.src.sendNext(2); // on time
    h.clock.advance(50);
    h.src.sendNext(3); // 50 ms early
    h.sink.expectNext(1, 2);
    const cause = failureOf(h.sink.expectFailure(), 'throttle');
    expect(cause).toBeInstanceOf(RateExceededError);
    expect((cause as Error).message).toContain('rate of 1 tokens per 100 ms (burst 1) exceeded');
    h.src.expectCancellation();
  });

  it('fails with a StageFailure when costOf throws or returns a bad cost', () => {
    const boom = new Error('no cost');
    const h = harness<number, number>((s) => s.throttle(1, 100, { costOf: () => { throw boom; } }));
    h.sink.request(1);
    h.src.sendNext(1);
    expect(failureOf(h.sink.expectFailure(), 'throttle')).toBe(boom);
    h.src.expectCancellation();

    const n = harness<number, number>((s) => s.throttle(1, 100, { costOf: () => NaN }));
    n.sink.request(1);
    n.src.sendNext(1);
    expect(String(failureOf(n.sink.expectFailure(), 'throttle'))).toContain('costOf must return a finite, non-negative number');
  });

  it('passes upstream failure on at once, even with an element waiting', () => {
    const h = harness<number, number>((s) => s.throttle(1, 100));
    h.sink.request(5);
    h.src.sendNext(1).sendNext(2).sendError(new Error('down'));
    h.sink.expectNext(1);
    expect((h.sink.expectError() as Error).message).toBe('down');
    expect(h.timers).toBe(0);
  });

  it('cancels upstream and drops its timer when downstream cancels', () => {
    const h = harness<number, number>((s) => s.throttle(1, 100));
    h.sink.request(5);
    h.src.sendNext(1).sendNext(2);
    expect(h.timers).toBe(1);
    h.sink.cancel();
    h.src.expectCancellation();
    expect(h.timers).toBe(0);
    expect(h.stops('throttle')).toBe(1);
    h.sink.expectNext(1).expectNoMessage(200);
  });

  it('validates its arguments', () => {
    const s = Source.empty<number>();
    expect(() => s.throttle(0, 100)).toThrow('throttle: cost must be a positive integer, got 0');
    expect(() => s.throttle(1, 0)).toThrow(/throttle: perMs must be .*positive.*got 0/);
    expect(() => s.throttle(1, 100, { burst: 0 })).toThrow('throttle: burst must be a positive integer, got 0');
    expect(() => s.throttle(1, 100, { mode: 'strict' as never })).toThrow(/throttle: mode must be 'shaping' or 'enforcing'/);
    expect(() => s.throttle(1, 100, { costOf: 3 as never })).toThrow('throttle: costOf must be a function, got number');
  });
});
