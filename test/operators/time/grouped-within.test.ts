import { NoMoreElementsNeeded, Sink, Source } from 'tributary';
import { TestClock } from 'tributary/testing';
import { failureOf, harness } from './harness';

describe('groupedWithin', () => {
  it('emits a group as soon as it has n elements', () => {
    const h = harness<number, number[]>((s) => s.groupedWithin(3, 100));
    h.sink.request(2);
    h.src.sendNext(1).sendNext(2).sendNext(3).sendNext(4).sendNext(5).sendNext(6);
    h.sink.expectNext([1, 2, 3], [4, 5, 6]);
    expect(h.clock.nowMs).toBe(0);
  });

  it('emits a non-empty group when the interval elapses, and no empty groups', () => {
    const h = harness<number, number[]>((s) => s.groupedWithin(10, 100));
    h.sink.request(5);
    h.src.sendNext(1).sendNext(2);
    h.sink.expectNoMessage(99);
    h.clock.advance(1);
    h.sink.expectNext([1, 2]); // t = 100
    h.sink.expectNoMessage(250); // empty windows at 200 and 300 emit nothing
    h.src.sendNext(3); // t = 350
    h.sink.expectNoMessage(49);
    h.clock.advance(1);
    h.sink.expectNext([3]); // t = 400, the next window boundary
  });

  it('restarts the window when a full group is emitted', () => {
    const h = harness<number, number[]>((s) => s.groupedWithin(2, 100));
    h.sink.request(5);
    h.clock.advance(60);
    h.src.sendNext(1).sendNext(2); // full at t = 60: the next window ends at 160, not 100
    h.sink.expectNext([1, 2]);
    h.src.sendNext(3);
    h.sink.expectNoMessage(99); // t = 159
    h.clock.advance(1);
    h.sink.expectNext([3]);
    expect(h.clock.nowMs).toBe(160);
  });

  it('holds a group whose window elapsed until downstream pulls, then emits it at once', () => {
    const h = harness<number, number[]>((s) => s.groupedWithin(10, 100));
    h.src.sendNext(1).sendNext(2);
    h.sink.expectNoMessage(250);
    h.src.sendNext(3); // still joins the waiting group
    h.sink.request(1);
    h.sink.expectNext([1, 2, 3]);
    expect(h.clock.nowMs).toBe(250);
  });

  it('backpressures with one full group and one pending element when downstream is slow', () => {
    const h = harness<number, number[]>((s) => s.groupedWithin(3, 100));
    for (let i = 1; i <= 10; i++) h.src.sendNext(i);
    expect(h.src.pending).toBe(6); // 3 in the group + 1 pending taken
    h.src.expectNoRequest();
    expect(h.stats('groupedWithin')).toMatchObject({ capacity: 4, buffered: 4, peak: 4, demand: 0 });
    h.sink.expectNoMessage(1000); // timers do not change that
    expect(h.src.pending).toBe(6);
    h.sink.request(1).expectNext([1, 2, 3]);
    expect(h.src.pending).toBe(3); // [4, 5, 6] full again, 7 taken as pending
    h.sink.request(3).expectNext([4, 5, 6], [7, 8, 9]);
    h.src.sendComplete();
    h.sink.expectNext([10]).expectComplete();
    expect(h.stats('groupedWithin').peak).toBe(4);
  });

  it('emits the last group when upstream completes, or completes at once when empty', () => {
    const h = harness<number, number[]>((s) => s.groupedWithin(3, 100));
    h.sink.request(5);
    h.src.sendNext(1).sendComplete();
    h.sink.expectNext([1]).expectComplete();
    expect(h.clock.nowMs).toBe(0);

    const e = harness<number, number[]>((s) => s.groupedWithin(3, 100));
    e.src.sendComplete();
    e.sink.expectComplete();
    expect(e.timers).toBe(0);
  });

  it('waits for demand before emitting the last group', () => {
    const h = harness<number, number[]>((s) => s.groupedWithin(3, 100));
    h.src.sendNext(1).sendNext(2).sendComplete();
    h.sink.expectNoMessage(500);
    h.sink.request(1).expectNext([1, 2]).expectComplete();
  });

  it('fails when upstream fails, dropping the group', () => {
    const h = harness<number, number[]>((s) => s.groupedWithin(3, 100));
    h.sink.request(1);
    h.src.sendNext(1).sendError(new Error('boom'));
    expect((h.sink.expectError() as Error).message).toBe('boom');
    expect(h.timers).toBe(0);
  });

  it('cancels upstream and releases its timer once when downstream cancels', () => {
    const h = harness<number, number[]>((s) => s.groupedWithin(3, 100));
    h.sink.request(1);
    h.src.sendNext(1);
    expect(h.timers).toBe(1);
    h.sink.cancel();
    expect(h.src.expectCancellation()).toBeInstanceOf(NoMoreElementsNeeded);
    expect(h.timers).toBe(0);
    expect(h.stops('groupedWithin')).toBe(1);
  });

  it('works with a real sink under virtual time', async () => {
    const clock = new TestClock();
    const done = Source.range(1, 7).groupedWithin(3, 1000).runWith(Sink.seq(), clock.materializer());
    clock.tick();
    expect(await done).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('validates its arguments', () => {
    expect(() => Source.empty<number>().groupedWithin(0, 100)).toThrow('groupedWithin: n must be a positive integer, got 0');
    expect(() => Source.empty<number>().groupedWithin(2, 0)).toThrow(/groupedWithin: ms must be .*positive.*got 0/);
    expect(() => Source.empty<number>().groupedWithin(1.5, 10)).toThrow(/n must be a positive integer/);
  });
});

describe('groupedWeightedWithin', () => {
  const byValue = (x: number) => x;

  it('closes a group before its weight would exceed maxWeight', () => {
    const h = harness<number, number[]>((s) => s.groupedWeightedWithin(10, byValue, 100, 1000));
    h.sink.request(5);
    h.src.sendNext(3).sendNext(4).sendNext(2); // 9
    h.sink.expectNoMessage();
    h.src.sendNext(5); // 14 > 10: [3, 4, 2] goes, 5 starts the next group
    h.sink.expectNext([3, 4, 2]);
    h.src.sendNext(5); // exactly 10: full
    h.sink.expectNext([5, 5]);
    expect(h.clock.nowMs).toBe(0);
  });

  it('puts an element heavier than maxWeight in a group of its own', () => {
    const h = harness<number, number[]>((s) => s.groupedWeightedWithin(10, byValue, 100, 1000));
    h.sink.request(5);
    h.src.sendNext(25);
    h.sink.expectNext([25]);
    h.src.sendNext(1).sendNext(30);
    h.sink.expectNext([1], [30]);
    h.src.sendNext(2);
    h.sink.expectNoMessage(999);
    h.clock.advance(1);
    h.sink.expectNext([2]);
  });

  it('also closes groups at n elements, and lets zero-weight elements join a group that is full by weight', () => {
    const h = harness<number, number[]>((s) => s.groupedWeightedWithin(10, byValue, 4, 1000));
    h.src.sendNext(10).sendNext(0).sendNext(0).sendNext(0).sendNext(0).sendNext(7);
    expect(h.src.pending).toBe(1); // [10, 0, 0, 0] is full by count; the last 0 waits as pending
    h.sink.request(2);
    h.sink.expectNext([10, 0, 0, 0]);
    h.src.sendComplete();
    h.sink.expectNext([0, 7]).expectComplete();
  });

  it('fails with a StageFailure when the weight function throws or returns a negative weight', () => {
    const boom = new Error('bad weight');
    const h = harness<number, number[]>((s) =>
      s.groupedWeightedWithin(10, (x) => { if (x === 2) throw boom; return x; }, 10, 100),
    );
    h.sink.request(1);
    h.src.sendNext(1).sendNext(2);
    expect(failureOf(h.sink.expectFailure(), 'groupedWeightedWithin')).toBe(boom);
    h.src.expectCancellation();
    expect(h.timers).toBe(0);

    const n = harness<number, number[]>((s) => s.groupedWeightedWithin(10, () => -1, 10, 100));
    n.src.sendNext(1);
    expect(String(failureOf(n.sink.expectFailure(), 'groupedWeightedWithin'))).toContain(
      'weight must be a non-negative number, got -1',
    );
  });

  it('validates its arguments', () => {
    expect(() => Source.empty<number>().groupedWeightedWithin(0, byValue, 1, 1)).toThrow(
      'groupedWeightedWithin: maxWeight must be a positive number, got 0',
    );
    expect(() => Source.empty<number>().groupedWeightedWithin(NaN, byValue, 1, 1)).toThrow(/maxWeight/);
    expect(() => Source.empty<number>().groupedWeightedWithin(1, 'x' as never, 1, 1)).toThrow(
      'groupedWeightedWithin: weight must be a function, got string',
    );
  });
});
