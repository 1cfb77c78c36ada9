import { BufferOverflowError, Source, type DelayOverflowStrategy } from 'tributary';
import { failureOf, harness } from './harness';

describe('delay', () => {
  it('emits each element exactly ms after it arrived', () => {
    const h = harness<string, string>((s) => s.delay(100));
    h.sink.request(5);
    h.src.sendNext('a');
    h.clock.advance(30);
    h.src.sendNext('b');
    h.sink.expectNoMessage(69); // t = 99
    h.clock.advance(1);
    h.sink.expectNext('a'); // t = 100
    h.sink.expectNoMessage(29);
    h.clock.advance(1);
    h.sink.expectNext('b'); // t = 130
  });

  it('emits an element that became due while downstream was not pulling as soon as it pulls', () => {
    const h = harness<string, string>((s) => s.delay(100));
    h.src.sendNext('a');
    h.sink.expectNoMessage(500);
    expect(h.timers).toBe(0); // no timer runs while nobody pulls
    h.sink.request(1).expectNext('a');
    expect(h.clock.nowMs).toBe(500);
  });

  it('with ms = 0 passes elements through', () => {
    const h = harness<number, number>((s) => s.delay(0));
    h.sink.request(3);
    h.src.sendNext(1).sendNext(2);
    h.sink.expectNext(1, 2);
  });

  it('backpressures when its buffer is full (default)', () => {
    const h = harness<number, number>((s) => s.delay(100, { bufferSize: 2 }));
    for (let i = 1; i <= 5; i++) h.src.sendNext(i);
    expect(h.src.pending).toBe(3);
    h.src.expectNoRequest();
    expect(h.stats('delay')).toMatchObject({ capacity: 2, buffered: 2, peak: 2, demand: 0 });
    h.sink.request(5);
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    h.sink.expectNext(1, 2); // t = 100; 3 and 4 were taken at t = 100 as room appeared
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    h.sink.expectNext(3, 4);
    expect(h.stats('delay').peak).toBe(2);
  });

  it('keeps per-element due times in the buffer', () => {
    const h = harness<number, number>((s) => s.delay(100, { bufferSize: 4 }));
    h.sink.request(4);
    h.src.sendNext(1);
    h.clock.advance(10);
    h.src.sendNext(2);
    h.clock.advance(10);
    h.src.sendNext(3);
    h.clock.advance(80);
    h.sink.expectNext(1); // t = 100
    h.clock.advance(10);
    h.sink.expectNext(2); // t = 110
    h.clock.advance(10);
    h.sink.expectNext(3); // t = 120
  });

  const overflowCases: Array<[DelayOverflowStrategy, number[]]> = [
    ['dropHead', [2, 3]],
    ['dropTail', [1, 3]],
    ['dropBuffer', [3]],
    ['dropNew', [1, 2]],
  ];
  it.each(overflowCases)('with %s drops elements when the buffer is full', (overflow, expected) => {
    const h = harness<number, number>((s) => s.delay(100, { bufferSize: 2, overflow }));
    h.src.sendNext(1).sendNext(2).sendNext(3).sendComplete();
    h.sink.request(5);
    h.clock.advance(100);
    h.sink.expectNext(...expected).expectComplete();
  });

  it('with emitEarly emits the oldest element before its time to make room', () => {
    const h = harness<number, number>((s) => s.delay(100, { bufferSize: 2, overflow: 'emitEarly' }));
    h.sink.request(5);
    h.src.sendNext(1).sendNext(2).sendNext(3);
    h.sink.expectNext(1); // early, at t = 0
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    h.sink.expectNext(2, 3);
  });

  it('with emitEarly backpressures while the buffer is full and downstream is not pulling', () => {
    const h = harness<number, number>((s) => s.delay(100, { bufferSize: 2, overflow: 'emitEarly' }));
    h.src.sendNext(1).sendNext(2).sendNext(3);
    expect(h.src.pending).toBe(1);
    h.src.expectNoRequest();
    h.sink.request(1); // 1 is not due; the pull lets 3 in, which pushes 1 out early
    h.sink.expectNext(1);
    expect(h.src.pending).toBe(0);
  });

  it('with fail fails with BufferOverflowError', () => {
    const h = harness<number, number>((s) => s.delay(100, { bufferSize: 2, overflow: 'fail' }));
    h.src.sendNext(1).sendNext(2).sendNext(3);
    expect(failureOf(h.sink.expectFailure(), 'delay')).toBeInstanceOf(BufferOverflowError);
    h.src.expectCancellation();
  });

  it('completes after the last buffered element is emitted', () => {
    const h = harness<number, number>((s) => s.delay(100));
    h.sink.request(5);
    h.src.sendNext(1).sendComplete();
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    h.sink.expectNext(1).expectComplete();

    const e = harness<number, number>((s) => s.delay(100));
    e.src.sendComplete();
    e.sink.expectComplete();
  });

  it('fails at once when upstream fails, dropping buffered elements', () => {
    const h = harness<number, number>((s) => s.delay(100));
    h.sink.request(5);
    h.src.sendNext(1).sendError(new Error('down'));
    expect((h.sink.expectError() as Error).message).toBe('down');
    expect(h.timers).toBe(0);
  });

  it('cancels upstream and drops its timer when downstream cancels', () => {
    const h = harness<number, number>((s) => s.delay(100));
    h.sink.request(5);
    h.src.sendNext(1);
    expect(h.timers).toBe(1);
    h.sink.cancel();
    h.src.expectCancellation();
    expect(h.timers).toBe(0);
    expect(h.stops('delay')).toBe(1);
  });

  it('validates its arguments', () => {
    const s = Source.empty<number>();
    expect(() => s.delay(-1)).toThrow(/delay: ms must be a finite, non-negative number .*got -1/);
    expect(() => s.delay(10, { bufferSize: 0 })).toThrow('delay: bufferSize must be a positive integer, got 0');
    expect(() => s.delay(10, { overflow: 'dropOld' as never })).toThrow(/delay: overflow must be one of .*emitEarly.*got "dropOld"/);
  });
});
