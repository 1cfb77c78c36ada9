import { Concat, Interleave } from 'tributary';
import { marbleTest, type MarbleSource } from 'tributary/testing';
import { marbleJunction, probeJunction } from './harness';

describe('Concat', () => {
  it('emits all of input 0, then all of input 1, pulling an input only when it is current', () => {
    marbleTest((m) => {
      const { ins, outs: [out] } = marbleJunction(m, Concat.create<string>(), ['-a-b|', 'c-d|']);
      m.expectOutput(out!).toBe('-a-b(cd|)');
      m.expectPulls(ins[1]!).toBe('----p');
    });
  });

  it('with detachedInputs pulls every input once at start', () => {
    marbleTest((m) => {
      const { ins, outs: [out] } = marbleJunction(m, Concat.create<string>(2, { detachedInputs: true }), ['-a-b|', 'c-d|']);
      m.expectOutput(out!).toBe('-a-b(cd|)');
      m.expectPulls(ins[1]!).toBe('p---p');
    });
  });

  it('skips inputs that completed before their turn', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, Concat.create<string>(3), ['a---|', '|', 'b|']);
      m.expectOutput(out!).toBe('a---(b|)');
    });
  });

  it('fails as soon as any input fails, even before its turn', () => {
    marbleTest((m) => {
      const { ins, outs: [out] } = marbleJunction(m, Concat.create<string>(), ['a------|', '-#']);
      m.expectOutput(out!).toBe('a#');
      m.expectSubscriptions(ins[0]!).toBe('^!');
    });
  });

  it('backpressures the current input and cancels all inputs when downstream cancels', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<number, number>(Concat.create<number>());
    a!.sendNext(1).sendNext(2);
    b!.sendNext(3);
    out!.request(1).expectNext(1);
    expect([a!.pending, b!.pending]).toEqual([1, 1]);
    out!.cancel();
    a!.expectCancellation();
    b!.expectCancellation();
    expect(() => Concat.create(0)).toThrow('Concat: n must be a positive integer, got 0');
  });
});

describe('Interleave', () => {
  it('takes segmentSize elements from each input in turn', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, Interleave.create<string>(2, 2), ['(abcde|)', '(wxyz|)']);
      m.expectOutput(out!).toBe('(abwxcdyze|)');
    });
  });

  it('drops a completed input from the rotation, also mid-segment', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, Interleave.create<string>(3, 2), ['(a|)', '(wxyz|)', '-----(mn|)']);
      m.expectOutput(out!).toBe('(awx)(mnyz|)');
    });
  });

  it('follows the inputs’ timing, waiting for the current input', () => {
    marbleTest((m) => {
      const { outs: [out] } = marbleJunction(m, Interleave.create<string>(2, 1), ['a-b|', '----(x|)']);
      m.expectOutput(out!).toBe('a---(xb|)');
    });
  });

  it('with eagerClose completes when any input completed', () => {
    let other: MarbleSource<string> | undefined;
    marbleTest((m) => {
      const { ins, outs: [out] } = marbleJunction(m, Interleave.create<string>(2, 1, { eagerClose: true }), ['a---b-------|', '(wxyz|)']);
      m.expectOutput(out!).toBe('(aw)(bx)----|');
      other = ins[1];
    });
    expect(other!.isCancelled).toBe(true);
  });

  it('pulls only the current input on demand, fails with any input, cancels all on cancel', () => {
    const { ins: [a, b], outs: [out] } = probeJunction<number, number>(Interleave.create<number>(2, 1));
    a!.sendNext(1).sendNext(2);
    b!.sendNext(10);
    out!.request(1).expectNext(1);
    expect([a!.pending, b!.pending]).toEqual([1, 1]);
    b!.sendError(new Error('b failed'));
    expect(out!.expectFailure()).toMatchObject({ stage: 'interleave' });
    a!.expectCancellation();

    const second = probeJunction(Interleave.create<number>(3, 4));
    second.outs[0]!.cancel();
    for (const i of second.ins) i.expectCancellation();
    expect(() => Interleave.create(2, 0)).toThrow('Interleave: segmentSize must be a positive integer, got 0');
  });
});
