import { Source } from 'tributary';
import { failureOf, harness } from './harness';

describe('keepAlive', () => {
  const beat = () => 'beat';

  it('injects an element when nothing was pushed for ms while downstream pulls', () => {
    const h = harness<string, string>((s) => s.keepAlive(100, beat));
    h.sink.request(3);
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    h.sink.expectNext('beat'); // t = 100
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    h.sink.expectNext('beat'); // t = 200
  });

  it('counts from the last element pushed downstream', () => {
    const h = harness<string, string>((s) => s.keepAlive(100, beat));
    h.sink.request(3);
    h.clock.advance(60);
    h.src.sendNext('a');
    h.sink.expectNext('a').expectNoMessage(99); // t = 159
    h.clock.advance(1);
    h.sink.expectNext('beat'); // t = 160
  });

  it('does not inject while downstream is not pulling; injects on the first pull after the deadline', () => {
    const h = harness<string, string>((s) => s.keepAlive(100, beat));
    h.sink.expectNoMessage(500);
    h.sink.request(2).expectNext('beat');
    expect(h.clock.nowMs).toBe(500);
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    h.sink.expectNext('beat'); // t = 600
  });

  it('prefers a waiting upstream element to an injection', () => {
    const h = harness<string, string>((s) => s.keepAlive(100, beat));
    h.src.sendNext('a');
    h.sink.expectNoMessage(300);
    h.sink.request(1).expectNext('a');
  });

  it('holds at most one element and backpressures beyond it', () => {
    const h = harness<string, string>((s) => s.keepAlive(100, beat));
    h.src.sendNext('a').sendNext('b').sendNext('c');
    expect(h.src.pending).toBe(2);
    h.src.expectNoRequest();
    h.sink.request(3).expectNext('a', 'b', 'c');
  });

  it('completes when upstream completes, after a held element', () => {
    const h = harness<string, string>((s) => s.keepAlive(100, beat));
    h.src.sendNext('a').sendComplete();
    h.sink.expectNoMessage(200);
    h.sink.request(1).expectNext('a').expectComplete();
    expect(h.timers).toBe(0);
  });

  it('fails with a StageFailure when inject throws', () => {
    const boom = new Error('no heartbeat');
    const h = harness<string, string>((s) => s.keepAlive(100, () => { throw boom; }));
    h.sink.request(1);
    h.clock.advance(100);
    expect(failureOf(h.sink.expectFailure(), 'keepAlive')).toBe(boom);
    h.src.expectCancellation();
  });

  it('passes upstream failure on', () => {
    const h = harness<string, string>((s) => s.keepAlive(100, beat));
    h.src.sendError(new Error('down'));
    expect((h.sink.expectError() as Error).message).toBe('down');
    expect(h.timers).toBe(0);
  });

  it('cancels upstream and its timer when downstream cancels', () => {
    const h = harness<string, string>((s) => s.keepAlive(100, beat));
    h.sink.cancel();
    h.src.expectCancellation();
    expect(h.timers).toBe(0);
    expect(h.stops('keepAlive')).toBe(1);
  });

  it('validates its arguments', () => {
    expect(() => Source.empty<string>().keepAlive(0, beat)).toThrow(/keepAlive: ms must be a finite, positive number .*got 0/);
    expect(() => Source.empty<string>().keepAlive(10, 'x' as never)).toThrow('keepAlive: inject must be a function, got string');
  });
});
