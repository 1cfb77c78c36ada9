import { Unzip, UnzipWith } from 'tributary';
import { marbleTest } from 'tributary/testing';
import { marbleJunction, probeJunction } from './harness';

describe('Unzip', () => {
  it('sends the parts of each pair to the two outputs', () => {
    marbleTest((m) => {
      const values = { a: ['a', 1], b: ['b', 2] } as Record<string, [string, number]>;
      const { outs: [left, right] } = marbleJunction(m, Unzip.create<string, number>(), ['a-b|'], [], values);
      m.expectOutput(left!).toBe('a-b|', { a: 'a', b: 'b' });
      m.expectOutput(right!).toBe('x-y|', { x: 1, y: 2 });
    });
  });

  it('emits only when both outputs have demand (holding one pair)', () => {
    marbleTest((m) => {
      const values = { a: ['a', 1], b: ['b', 2] } as Record<string, [string, number]>;
      const { ins: [src], outs: [left, right] } = marbleJunction(m, Unzip.create<string, number>(), ['ab|'], ['9', '--1-1'], values);
      m.expectOutput(left!).toBe('--a-(b|)', { a: 'a', b: 'b' });
      m.expectOutput(right!).toBe('--x-(y|)', { x: 1, y: 2 });
      m.expectPulls(src!).toBe('p-p'); // at start, then after the first pair left (b completes the source)
    });
  });

  it('completes after the pair it holds was emitted', () => {
    const { ins: [src], outs: [left, right] } = probeJunction<[number, number], number>(Unzip.create<number, number>());
    src!.sendNext([1, 2]).sendComplete();
    left!.request(1);
    right!.request(1);
    left!.expectNext(1).expectComplete();
    right!.expectNext(2).expectComplete();
  });

  it('keeps serving one output when the other cancels; cancels upstream when both did', () => {
    const { ins: [src], outs: [left, right] } = probeJunction<[number, number], number>(Unzip.create<number, number>());
    right!.cancel();
    left!.request(2);
    src!.sendNext([1, 2]).sendNext([3, 4]);
    left!.expectNext(1, 3);
    src!.expectNotCancelled();
    left!.cancel();
    src!.expectCancellation();
  });

  it('fails both outputs when upstream fails', () => {
    const { ins: [src], outs: [left, right] } = probeJunction<[number, number], number>(Unzip.create<number, number>());
    src!.sendError(new Error('up'));
    expect(left!.expectFailure()).toMatchObject({ stage: 'unzip', cause: new Error('up') });
    expect(right!.expectError()).toEqual(new Error('up'));
  });
});

describe('UnzipWith', () => {
  it('splits each element with f', () => {
    const split = UnzipWith.create((s: string): [string, number] => [s.toUpperCase(), s.length]);
    const { ins: [src], outs: [left, right] } = probeJunction<string, unknown>(split);
    left!.request(2);
    right!.request(2);
    src!.sendNext('ab').sendNext('cde');
    left!.expectNext('AB', 'CDE');
    right!.expectNext(2, 3);
  });

  it('fails when f throws or returns something that is not a pair', () => {
    const boom = new Error('split failed');
    const throwing = probeJunction<number, number>(UnzipWith.create((): [number, number] => {
      throw boom;
    }));
    throwing.ins[0]!.sendNext(1);
    expect(throwing.outs[0]!.expectFailure()).toMatchObject({ stage: 'unzipWith', cause: boom });
    throwing.ins[0]!.expectCancellation();

    const notAPair = probeJunction<number, number>(UnzipWith.create(() => undefined as never));
    notAPair.ins[0]!.sendNext(1);
    expect(notAPair.outs[1]!.expectError()).toEqual(new TypeError('unzipWith: expected a pair [a, b], got undefined'));
    expect(() => UnzipWith.create(null as never)).toThrow('UnzipWith: f must be a function, got null');
  });
});
