import { Source } from 'tributary';
import { failureOf, harness } from './harness';

const sum = (a: number, b: number) => a + b;

describe('conflate', () => {
  it('passes elements through when downstream keeps up', () => {
    const h = harness<number, number>((s) => s.conflate(sum));
    h.sink.request(3);
    h.src.sendNext(1).sendNext(2).sendNext(3);
    h.sink.expectNext(1, 2, 3);
  });

  it('aggregates while downstream is slow, never backpressuring upstream', () => {
    const h = harness<number, number>((s) => s.conflate(sum));
    for (let i = 1; i <= 100; i++) h.src.sendNext(i);
    expect(h.src.pending).toBe(0);
    h.src.expectRequest();
    h.sink.request(1).expectNext(5050);
    h.src.sendNext(7);
    h.sink.request(1).expectNext(7);
  });

  it('conflateWithSeed starts each aggregate with seed', () => {
    const h = harness<number, number[]>((s) => s.conflateWithSeed((x) => [x], (acc, x) => [...acc, x]));
    h.src.sendNext(1).sendNext(2).sendNext(3);
    h.sink.request(1).expectNext([1, 2, 3]);
    h.src.sendNext(4);
    h.sink.request(1).expectNext([4]);
  });

  it('emits the last aggregate, then completes', () => {
    const h = harness<number, number>((s) => s.conflate(sum));
    h.src.sendNext(1).sendNext(2).sendComplete();
    h.sink.expectNoMessage();
    h.sink.request(1).expectNext(3).expectComplete();
    const e = harness<number, number>((s) => s.conflate(sum));
    e.src.sendComplete();
    e.sink.expectComplete();
  });

  it('fails with a StageFailure when aggregate or seed throws', () => {
    const boom = new Error('cannot merge');
    const h = harness<number, number>((s) => s.conflate(() => { throw boom; }));
    h.src.sendNext(1).sendNext(2);
    expect(failureOf(h.sink.expectFailure(), 'conflate')).toBe(boom);
    h.src.expectCancellation();

    const g = harness<number, number>((s) => s.conflateWithSeed<number>(() => { throw boom; }, sum));
    g.src.sendNext(1);
    expect(failureOf(g.sink.expectFailure(), 'conflate')).toBe(boom);
  });

  it('passes upstream failure on and cancels upstream on downstream cancel', () => {
    const h = harness<number, number>((s) => s.conflate(sum));
    h.src.sendNext(1).sendError(new Error('down'));
    expect((h.sink.expectError() as Error).message).toBe('down');
    const c = harness<number, number>((s) => s.conflate(sum));
    c.sink.cancel();
    c.src.expectCancellation();
    expect(c.stops('conflate')).toBe(1);
  });

  it('validates its arguments', () => {
    expect(() => Source.empty<number>().conflate(null as never)).toThrow('conflate: aggregate must be a function, got null');
  });
});

describe('batch', () => {
  const toArray = (x: number) => [x];
  const append = (acc: number[], x: number) => [...acc, x];

  it('passes single-element batches through when downstream keeps up', () => {
    const h = harness<number, number[]>((s) => s.batch(3, toArray, append));
    h.sink.request(2);
    h.src.sendNext(1).sendNext(2);
    h.sink.expectNext([1], [2]);
  });

  it('backpressures once max elements are aggregated and one more waits', () => {
    const h = harness<number, number[]>((s) => s.batch(3, toArray, append));
    for (let i = 1; i <= 8; i++) h.src.sendNext(i);
    expect(h.src.pending).toBe(4); // [1, 2, 3] aggregated, 4 pending
    h.src.expectNoRequest();
    expect(h.stats('batch')).toMatchObject({ capacity: 4, buffered: 4, peak: 4, demand: 0 });
    h.sink.request(1).expectNext([1, 2, 3]);
    expect(h.src.pending).toBe(1); // [4, 5, 6] aggregated, 7 pending
    h.src.sendComplete();
    h.sink.request(3).expectNext([4, 5, 6], [7], [8]).expectComplete(); // downstream keeps up now
    expect(h.stats('batch').peak).toBe(4);
  });

  it('fails with a StageFailure when aggregate throws', () => {
    const boom = new Error('full');
    const h = harness<number, number[]>((s) => s.batch(3, toArray, () => { throw boom; }));
    h.src.sendNext(1).sendNext(2);
    expect(failureOf(h.sink.expectFailure(), 'batch')).toBe(boom);
    h.src.expectCancellation();
  });

  it('passes upstream failure on and cancels upstream on downstream cancel', () => {
    const h = harness<number, number[]>((s) => s.batch(3, toArray, append));
    h.src.sendError(new Error('down'));
    expect((h.sink.expectError() as Error).message).toBe('down');
    const c = harness<number, number[]>((s) => s.batch(3, toArray, append));
    c.sink.cancel();
    c.src.expectCancellation();
    expect(c.stops('batch')).toBe(1);
  });

  it('validates its arguments', () => {
    expect(() => Source.empty<number>().batch(0, toArray, append)).toThrow('batch: max must be a positive integer, got 0');
    expect(() => Source.empty<number>().batch(2, undefined as never, append)).toThrow('batch: seed must be a function, got undefined');
  });
});
