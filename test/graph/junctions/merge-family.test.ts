import { Merge, MergeLatest, MergePreferred, MergePreferredShape, MergePrioritized, StageFailure } from 'tributary';
import { marbleTest } from 'tributary/testing';
import { marbleJunction, probeJunction } from './harness';

describe('Merge (regressions)', () => {
  it('with eagerComplete still emits the elements it already received, then completes', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<number, number>(Merge.create<number>(2, { eagerComplete: true }));
    a!.sendNext(1);
    b!.sendNext(2).sendComplete();
    a!.expectCancellation();
    out!.request(5).expectNext(1, 2).expectComplete();
  });

  it('rejects a non-boolean eagerComplete', () => {
    expect(() => Merge.create(2, { eagerComplete: 'yes' as never })).toThrow('Merge: eagerComplete must be a boolean, got yes');
  });
});

describe('MergePreferred', () => {
  it('emits from the preferred input whenever it has an element waiting', () => {
    // inlets: in(0) is secondary, the last is preferred
    const { ins: [sec, pref], outs: [out] } = probeJunction<string, string>(MergePreferred.create<string>(1));
    sec!.sendNext('s1').sendNext('s2');
    pref!.sendNext('p1').sendNext('p2').sendNext('p3');
    out!.request(3).expectNext('p1', 'p2', 'p3');
    out!.request(1).expectNext('s1');
    pref!.sendNext('p4');
    out!.request(2).expectNext('p4', 's2');
  });

  it('backpressures every input while downstream does (one element held per input)', () => {
    const { ins: [sec, pref], outs: [out] } = probeJunction<number, number>(MergePreferred.create<number>(1));
    sec!.sendNext(1).sendNext(2).sendNext(3);
    pref!.sendNext(10).sendNext(20);
    expect(sec!.pending).toBe(2);
    expect(pref!.pending).toBe(1);
    out!.expectNoMessage();
  });

  it('completes when all inputs completed', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, MergePreferred.create<string>(2), ['a--b|', '-c|', '--d---|']);
      m.expectOutput(out!).toBe('acdb--|');
    });
  });

  it('with eagerComplete completes when any input completed and cancels the others', () => {
    marbleTest((m) => {
      const { ins, outs: [out] } = marbleJunction(m, MergePreferred.create<string>(1, { eagerComplete: true }), ['a---b|', '-c|']);
      m.expectOutput(out!).toBe('ac|');
      m.expectSubscriptions(ins[0]!).toBe('^-!');
    });
  });

  it('fails when an input fails, naming the stage, and cancels the other inputs', () => {
    const { ins: [sec, pref], outs: [out] } = probeJunction<number, number>(MergePreferred.create<number>(1));
    out!.request(1);
    sec!.sendError(new Error('boom'));
    expect(out!.expectFailure()).toMatchObject({ stage: 'mergePreferred', cause: new Error('boom') });
    expect(pref!.expectCancellation()).toBeInstanceOf(StageFailure);
  });

  it('cancels all inputs when downstream cancels', () => {
    const { ins, outs: [out] } = probeJunction(MergePreferred.create<number>(2));
    out!.cancel();
    for (const i of ins) i.expectCancellation();
  });

  it('has a preferred port and numbered secondary ports, also after deepCopy', () => {
    const shape = MergePreferred.create<number>(2).shape.deepCopy();
    expect(shape).toBeInstanceOf(MergePreferredShape);
    expect(shape.secondaryPorts).toBe(2);
    expect(shape.inlets).toEqual([shape.in(0), shape.in(1), shape.preferred]);
    expect(() => shape.in(2)).toThrow("no secondary inlet 2: the shape has 2 (0..1); the preferred inlet is 'preferred'");
    expect(() => MergePreferred.create(0)).toThrow('MergePreferred: secondaryPorts must be a positive integer, got 0');
  });
});

describe('MergePrioritized', () => {
  it('shares the output by priority while all inputs have elements waiting', () => {
    const { ins: [hi, lo], outs: [out] } = probeJunction<string, string>(MergePrioritized.create<string>([3, 1]));
    for (let i = 0; i < 8; i++) {
      hi!.sendNext(`h${i}`);
      lo!.sendNext(`l${i}`);
    }
    expect(out!.request(8).expectNextN(8)).toEqual(['h0', 'h1', 'l0', 'h2', 'h3', 'h4', 'l1', 'h5']);
  });

  it('takes an input alone whenever it has an element, and completes when all inputs completed', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, MergePrioritized.create<string>([1, 5]), ['a-b|', '---c|']);
      m.expectOutput(out!).toBe('a-bc|');
    });
  });

  it('with eagerComplete completes when the first input completed', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, MergePrioritized.create<string>([1, 1], { eagerComplete: true }), ['a-b|', '--------c|']);
      m.expectOutput(out!).toBe('a-b|');
    });
  });

  it('backpressures, fails with an input and cancels its inputs when downstream cancels', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<number, number>(MergePrioritized.create<number>([2, 1]));
    a!.sendNext(1).sendNext(2);
    expect(a!.pending).toBe(1);
    out!.request(1).expectNext(1);
    b!.sendError('bad');
    expect(out!.expectError()).toBe('bad');
    a!.expectCancellation();

    const second = probeJunction(MergePrioritized.create<number>([2, 1]));
    second.outs[0]!.cancel();
    for (const i of second.ins) i.expectCancellation();
  });

  it('validates its priorities', () => {
    expect(() => MergePrioritized.create([])).toThrow('MergePrioritized: priorities must be a non-empty array of positive integers, got []');
    expect(() => MergePrioritized.create([1, 0])).toThrow('MergePrioritized: priorities[1] must be a positive integer, got 0');
    expect(() => MergePrioritized.create([1.5])).toThrow('MergePrioritized: priorities[0] must be a positive integer, got 1.5');
  });
});

describe('MergeLatest', () => {
  const V = { a: 'a', b: 'b', x: 'x', y: 'y' };
  const arrays = { P: ['a', 'x'], Q: ['b', 'x'], R: ['b', 'y'] };

  it('emits the latest of every input on each element, once all inputs have emitted', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, MergeLatest.create<string>(2), ['a---b---|', '--x---y-|'], [], V);
      m.expectOutput(out!).toBe('--P-Q-R-|', arrays);
    });
  });

  it('replaces an input’s element without emitting until every input has one', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, MergeLatest.create<string>(2), ['ab--|', '---x|'], [], V);
      m.expectOutput(out!).toBe('---Q|', arrays);
    });
  });

  it('emits fresh arrays (earlier emissions are not changed later)', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<number, number[]>(MergeLatest.create<number>(2));
    out!.request(3);
    a!.sendNext(1);
    b!.sendNext(2);
    a!.sendNext(3);
    expect(out!.received).toEqual([
      [1, 2],
      [3, 2],
    ]);
  });

  it('backpressures each input until its element was emitted', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<number, number[]>(MergeLatest.create<number>(2));
    a!.sendNext(1);
    b!.sendNext(2).sendNext(3).sendNext(4);
    expect(b!.pending).toBe(2); // 2 is emitted-due, 3 waits in the inlet, 4 in the probe
    out!.request(1).expectNext([1, 2]);
    out!.request(1).expectNext([1, 3]);
    expect(b!.pending).toBe(0);
  });

  it('with eagerComplete completes when any input completed', () => {
    marbleTest((m) => {
      const { ins, outs: [out] } = marbleJunction(m, MergeLatest.create<string>(2, { eagerComplete: true }), ['a-|', 'x---y|'], [], V);
      m.expectOutput(out!).toBe('P-|', arrays);
      m.expectSubscriptions(ins[1]!).toBe('^-!');
    });
  });

  it('fails when an input fails and cancels inputs when downstream cancels', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<number, number[]>(MergeLatest.create<number>(2));
    a!.sendError(new TypeError('nope'));
    expect(out!.expectFailure()).toMatchObject({ stage: 'mergeLatest' });
    b!.expectCancellation();
    const other = probeJunction(MergeLatest.create<number>(3));
    other.outs[0]!.cancel();
    for (const i of other.ins) i.expectCancellation();
    expect(() => MergeLatest.create(0)).toThrow('MergeLatest: n must be a positive integer, got 0');
  });
});
