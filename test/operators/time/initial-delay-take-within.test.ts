import { NoMoreElementsNeeded, Sink, Source } from 'tributary';
import { TestClock } from 'tributary/testing';
import { harness } from './harness';

describe('initialDelay', () => {
  it('does not pull upstream before ms have passed, then passes elements undelayed', () => {
    const h = harness<number, number>((s) => s.initialDelay(100));
    h.sink.request(3);
    h.src.sendNext(1).sendNext(2);
    h.src.expectNoRequest();
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    h.sink.expectNext(1, 2); // t = 100
    h.src.sendNext(3);
    h.sink.expectNext(3);
  });

  it('after the delay, waits for downstream demand', () => {
    const h = harness<number, number>((s) => s.initialDelay(100));
    h.src.sendNext(1);
    h.sink.expectNoMessage(300);
    expect(h.src.pending).toBe(1);
    h.sink.request(1).expectNext(1);
  });

  it('completes when upstream completes, also during the delay', () => {
    const h = harness<number, number>((s) => s.initialDelay(100));
    h.src.sendComplete();
    h.sink.expectComplete();
    expect(h.timers).toBe(0);
  });

  it('passes upstream failure on and cancels upstream on downstream cancel', () => {
    const h = harness<number, number>((s) => s.initialDelay(100));
    h.src.sendError(new Error('down'));
    expect((h.sink.expectError() as Error).message).toBe('down');
    const c = harness<number, number>((s) => s.initialDelay(100));
    c.sink.cancel();
    c.src.expectCancellation();
    expect(c.timers).toBe(0);
    expect(c.stops('initialDelay')).toBe(1);
  });

  it('validates ms', () => {
    expect(() => Source.empty().initialDelay(-1)).toThrow(/initialDelay: ms must be a finite, non-negative number .*got -1/);
  });
});

describe('takeWithin', () => {
  it('passes elements for ms, then completes and cancels upstream', () => {
    const h = harness<number, number>((s) => s.takeWithin(100));
    h.sink.request(5);
    h.src.sendNext(1);
    h.clock.advance(99);
    h.src.sendNext(2);
    h.sink.expectNext(1, 2);
    h.clock.advance(1);
    h.sink.expectComplete();
    expect(h.src.expectCancellation()).toBeInstanceOf(NoMoreElementsNeeded);
    expect(h.stops('takeWithin')).toBe(1);
  });

  it('completes early when upstream completes, releasing the timer', () => {
    const h = harness<number, number>((s) => s.takeWithin(100));
    h.sink.request(1);
    h.src.sendNext(1).sendComplete();
    h.sink.expectNext(1).expectComplete();
    expect(h.timers).toBe(0);
  });

  it('backpressures with downstream', () => {
    const h = harness<number, number>((s) => s.takeWithin(100));
    h.src.sendNext(1);
    h.src.expectNoRequest();
    h.clock.advance(100);
    h.sink.expectComplete();
  });

  it('passes upstream failure on and cancels on downstream cancel', () => {
    const h = harness<number, number>((s) => s.takeWithin(100));
    h.src.sendError(new Error('down'));
    expect((h.sink.expectError() as Error).message).toBe('down');
    const c = harness<number, number>((s) => s.takeWithin(100));
    c.sink.cancel();
    c.src.expectCancellation();
    expect(c.timers).toBe(0);
  });

  it('bounds an infinite tick source', async () => {
    const clock = new TestClock();
    const done = Source.tick(0, 100, 'x').takeWithin(1_000).runWith(Sink.seq(), clock.materializer());
    clock.advance(1_000);
    expect(await done).toEqual(Array(10).fill('x')); // ticks at 0..900; takeWithin ends at 1000 first
  });

  it('validates ms', () => {
    expect(() => Source.empty().takeWithin(NaN)).toThrow(/takeWithin: ms .* got NaN/);
  });
});
