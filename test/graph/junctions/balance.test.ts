import { Balance } from 'tributary';
import { marbleTest } from 'tributary/testing';
import { marbleJunction, probeJunction } from './harness';

describe('Balance', () => {
  it('sends each element to an output that has demand, the longest waiting first', () => {
    const { ins: [src], outs: [a, b] } = probeJunction<number, number>(Balance.create<number>(2));
    a!.request(1);
    b!.request(2);
    src!.sendNext(1).sendNext(2).sendNext(3).sendNext(4);
    a!.expectNext(1).expectNoMessage();
    b!.expectNext(2, 3);
    expect(src!.pending).toBe(1); // no demand left: 4 waits upstream (nothing held)
    a!.request(1).expectNext(4);
  });

  it('follows demand in a marble test', () => {
    marbleTest((m) => {
      const { outs: [a, b] } = marbleJunction(m, Balance.create<string>(2), ['(abcd)|'], ['1---1', '--1---1']);
      m.expectOutput(a!).toBe('a---c-|');
      m.expectOutput(b!).toBe('--b---(d|)');
    });
  });

  it('with waitForAllDownstreams pulls nothing until every output pulled once', () => {
    const { ins: [src], outs: [a, b, c] } = probeJunction<number, number>(Balance.create<number>(3, { waitForAllDownstreams: true }));
    src!.sendNext(1);
    a!.request(5);
    b!.request(5);
    a!.expectNoMessage();
    src!.expectNoRequest();
    c!.cancel(); // a cancelled output counts as ready
    a!.expectNext(1);
  });

  it('completes when upstream completes, after the element it holds was emitted', () => {
    const { ins: [src], outs: [a, b] } = probeJunction<number, number>(Balance.create<number>(2));
    a!.request(1);
    a!.cancel(); // pulled, then left: the element pulled for it waits for b
    src!.sendNext(1).sendComplete();
    b!.request(1).expectNext(1).expectComplete();
  });

  it('keeps going when one output cancels, cancels upstream when all did (or at once with eagerCancel)', () => {
    const { ins: [src], outs: [a, b] } = probeJunction<number, number>(Balance.create<number>(2));
    a!.cancel();
    b!.request(1);
    src!.sendNext(1);
    b!.expectNext(1);
    src!.expectNotCancelled();
    b!.cancel();
    src!.expectCancellation();

    const eager = probeJunction<number, number>(Balance.create<number>(2, { eagerCancel: true }));
    eager.outs[1]!.cancel();
    eager.ins[0]!.expectCancellation();
  });

  it('fails every output when upstream fails, and validates n', () => {
    const { ins: [src], outs } = probeJunction<number, number>(Balance.create<number>(2));
    src!.sendError(new Error('up'));
    for (const o of outs) expect(o.expectFailure()).toMatchObject({ stage: 'balance', cause: new Error('up') });
    expect(() => Balance.create(0)).toThrow('Balance: n must be a positive integer, got 0');
    expect(() => Balance.create(2, { waitForAllDownstreams: 'no' as never })).toThrow('Balance: waitForAllDownstreams must be a boolean, got no');
  });
});
