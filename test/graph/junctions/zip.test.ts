import { Zip, ZipLatest, ZipLatestWith, ZipWith } from 'tributary';
import { marbleTest, type MarbleSource } from 'tributary/testing';
import { marbleJunction, probeJunction } from './harness';

const PAIRS = { P: ['a', 'x'], Q: ['b', 'y'], R: ['c', 'z'], S: ['b', 'x'], T: ['a', 'y'] };

describe('Zip', () => {
  it('pairs the n-th elements of both inputs', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, Zip.create<string, string>(), ['a-b-c|', '-x--y--z|']);
      m.expectOutput(out!).toBe('-P--Q--(R|)', PAIRS);
    });
  });

  it('completes when an input completes with no element waiting, cancelling the other', () => {
    let other: MarbleSource<string> | undefined;
    marbleTest((m) => {
      const { ins, outs: [out] } = marbleJunction(m, Zip.create<string, string>(), ['a|', '-x-y|']);
      m.expectOutput(out!).toBe('-(P|)', PAIRS);
      other = ins[1];
    });
    expect(other!.isCancelled).toBe(true);
  });

  it('backpressures: each input holds at most one element', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<number, [number, number]>(Zip.create<number, number>());
    a!.sendNext(1).sendNext(2).sendNext(3);
    b!.sendNext(10);
    expect([a!.pending, b!.pending]).toEqual([2, 0]);
    out!.request(1).expectNext([1, 10]);
    expect(a!.pending).toBe(1);
    out!.expectNoMessage();
  });

  it('fails when an input fails and cancels the other; cancels both when downstream cancels', () => {
    const { ins: [a, b], outs: [out] } = probeJunction(Zip.create<number, number>());
    a!.sendError(new Error('left'));
    expect(out!.expectFailure()).toMatchObject({ stage: 'zip', cause: new Error('left') });
    b!.expectCancellation();
    const second = probeJunction(Zip.create<number, number>());
    second.outs[0]!.cancel();
    for (const i of second.ins) i.expectCancellation();
  });
});

describe('ZipWith', () => {
  it('combines pairs with f', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, ZipWith.create((a: number, b: number) => a * b), ['a-b|', 'cd|'], [], { a: 2, b: 3, c: 5, d: 7 });
      m.expectOutput(out!).toBe('x-(y|)', { x: 10, y: 21 });
    });
  });

  it('fails when f throws, with the original error as cause', () => {
    const boom = new Error('f failed');
    const zip = ZipWith.create((a: number, b: number) => {
      if (a + b > 3) throw boom;
      return a + b;
    });
    const { ins: [a, b], outs: [out] } = probeJunction<number, number>(zip);
    out!.request(5);
    a!.sendNext(1).sendNext(2);
    b!.sendNext(1).sendNext(2);
    out!.expectNext(2);
    expect(out!.expectFailure()).toMatchObject({ stage: 'zipWith', cause: boom });
    a!.expectCancellation();
    b!.expectCancellation();
    expect(() => ZipWith.create(undefined as never)).toThrow('ZipWith: f must be a function, got undefined');
  });
});

describe('ZipLatest', () => {
  it('emits once both inputs have had an element, then on every new element', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, ZipLatest.create<string, string>(), ['a---b----|', '--x----y-|']);
      m.expectOutput(out!).toBe('--P-S--Q-|', PAIRS);
    });
  });

  it('while downstream waits, a newer element replaces the older one', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<number, [number, number]>(ZipLatest.create<number, number>());
    a!.sendNext(1).sendNext(2);
    b!.sendNext(10);
    expect(a!.pending).toBe(1); // each input holds one; 2 waits upstream
    out!.request(1).expectNext([1, 10]);
    b!.sendNext(20).sendNext(30);
    out!.request(1).expectNext([2, 20]);
    out!.request(1).expectNext([2, 30]);
    out!.request(1).expectNoMessage(); // nothing new: no repeat
    a!.sendNext(3);
    out!.expectNext([3, 30]);
  });

  it('completes when any input completes, after a due combination was emitted', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<number, [number, number]>(ZipLatest.create<number, number>());
    a!.sendNext(1);
    b!.sendNext(10);
    a!.sendComplete();
    out!.request(1).expectNext([1, 10]).expectComplete();
    b!.expectCancellation();

    // A one-element input (a config) that completes before the other input's first element: one pair, then done.
    const config = probeJunction<number, [number, number]>(ZipLatest.create<number, number>());
    config.outs[0]!.request(5);
    config.ins[0]!.sendNext(1).sendComplete();
    config.outs[0]!.expectNoMessage();
    config.ins[1]!.sendNext(10).sendNext(20);
    config.outs[0]!.expectNext([1, 10]).expectComplete();

    // Everything emitted, nothing due: completes at once.
    const done = probeJunction<number, [number, number]>(ZipLatest.create<number, number>());
    done.outs[0]!.request(1);
    done.ins[0]!.sendNext(1);
    done.ins[1]!.sendNext(10);
    done.outs[0]!.expectNext([1, 10]);
    done.ins[1]!.sendComplete();
    done.outs[0]!.expectComplete();

    const idle = probeJunction<number, [number, number]>(ZipLatest.create<number, number>());
    idle.ins[0]!.sendNext(1);
    idle.ins[1]!.sendComplete(); // no pair possible any more
    idle.outs[0]!.request(1).expectComplete();
    idle.ins[0]!.expectCancellation();
  });

  it('fails with an input and cancels both inputs when downstream cancels', () => {
    const { ins: [a, b], outs: [out] } = probeJunction(ZipLatest.create<number, number>());
    b!.sendError('gone');
    expect(out!.expectError()).toBe('gone');
    a!.expectCancellation();
    const second = probeJunction(ZipLatest.create<number, number>());
    second.outs[0]!.cancel();
    for (const i of second.ins) i.expectCancellation();
  });
});

describe('ZipLatestWith', () => {
  it('combines the latest elements with f and fails when f throws', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, ZipLatestWith.create((a: string, b: string) => a + b), ['a---b|', '--x---|']);
      m.expectOutput(out!).toBe('--p-q|', { p: 'ax', q: 'bx' });
    });
    const zip = ZipLatestWith.create((): number => {
      throw new Error('no');
    });
    const { ins: [a, b], outs: [out] } = probeJunction(zip);
    out!.request(1);
    a!.sendNext(1);
    b!.sendNext(2);
    expect(out!.expectFailure()).toMatchObject({ stage: 'zipLatestWith', cause: new Error('no') });
    expect(() => ZipLatestWith.create(42 as never)).toThrow('ZipLatestWith: f must be a function, got number');
  });
});
