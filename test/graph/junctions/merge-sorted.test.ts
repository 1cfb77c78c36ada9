import { MergeSorted } from 'tributary';
import { marbleTest } from 'tributary/testing';
import { marbleJunction, probeJunction } from './harness';

interface Keyed {
  readonly k: number;
  readonly from: string;
}
const byKey = (a: Keyed, b: Keyed): number => a.k - b.k;

describe('MergeSorted', () => {
  it('merges two sorted inputs into sorted output, waiting for both to choose', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, MergeSorted.create<string>(), ['a-c-e|', '-b-d-(f|)']);
      m.expectOutput(out!).toBe('-abcd(ef|)');
    });
  });

  it('passes the other input through once one input completed', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, MergeSorted.create<string>(), ['|', 'a-b-c|']);
      m.expectOutput(out!).toBe('a-b-c|');
    });
  });

  it('uses compare, and emits the element of in0 first on a tie', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<Keyed, Keyed>(MergeSorted.create(byKey));
    a!.sendNext({ k: 1, from: 'a' }).sendNext({ k: 3, from: 'a' }).sendComplete();
    b!.sendNext({ k: 1, from: 'b' }).sendNext({ k: 2, from: 'b' }).sendComplete();
    out!.request(10);
    expect(out!.expectNextN(4).map((x) => `${x.k}${x.from}`)).toEqual(['1a', '1b', '2b', '3a']);
    out!.expectComplete();
  });

  it('backpressures: holds at most one element per input', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<number, number>(MergeSorted.create<number>());
    a!.sendNext(1).sendNext(2).sendNext(3);
    b!.sendNext(5).sendNext(6);
    expect([a!.pending, b!.pending]).toEqual([2, 1]);
    out!.request(1).expectNext(1);
    expect([a!.pending, b!.pending]).toEqual([1, 1]);
    out!.expectNoMessage();
  });

  it('fails when compare throws or an input fails, and cancels the other input', () => {
    const bad = MergeSorted.create<number>(() => {
      throw new Error('cannot compare');
    });
    const { ins: [a, b], outs: [out] } = probeJunction<number, number>(bad);
    out!.request(1);
    a!.sendNext(1);
    b!.sendNext(2);
    expect(out!.expectFailure()).toMatchObject({ stage: 'mergeSorted', cause: new Error('cannot compare') });
    a!.expectCancellation();
    b!.expectCancellation();

    const second = probeJunction<number, number>(MergeSorted.create<number>());
    second.ins[1]!.sendError('down');
    expect(second.outs[0]!.expectError()).toBe('down');
    second.ins[0]!.expectCancellation();
  });

  it('cancels both inputs when downstream cancels, and validates compare', () => {
    const { ins, outs: [out] } = probeJunction(MergeSorted.create<number>());
    out!.cancel();
    for (const i of ins) i.expectCancellation();
    expect(() => MergeSorted.create('x' as never)).toThrow('MergeSorted: compare must be a function, got string');
  });
});
