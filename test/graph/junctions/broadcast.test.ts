import { Broadcast } from 'tributary';
import { marbleTest } from 'tributary/testing';
import { marbleJunction, probeJunction } from './harness';

describe('Broadcast', () => {
  it('emits each element to every output at the pace of the slowest', () => {
    marbleTest((m) => {
      const { ins: [src], outs: [a, b] } = marbleJunction(m, Broadcast.create<string>(2), ['abc|'], ['9', '1-1---1']);
      m.expectOutput(a!).toBe('a-b---(c|)');
      m.expectOutput(b!).toBe('a-b---(c|)');
      m.expectPulls(src!).toBe('p-p'); // at start (a), after a left (b); c then completes the source
    });
  });

  // Regression: the element held when upstream completed used to be dropped (the stage completed at once).
  it('completes after the element it holds was emitted', () => {
    const { ins: [src], outs: [a, b] } = probeJunction<number, number>(Broadcast.create<number>(2));
    src!.sendNext(1).sendComplete();
    a!.request(1);
    b!.request(1);
    a!.expectNext(1).expectComplete();
    b!.expectNext(1).expectComplete();
  });

  it('with eagerCancel cancels upstream when any output cancels; fails all outputs with upstream', () => {
    const eager = probeJunction(Broadcast.create<number>(2, { eagerCancel: true }));
    eager.outs[0]!.cancel();
    eager.ins[0]!.expectCancellation();

    const { ins: [src], outs } = probeJunction(Broadcast.create<number>(3));
    src!.sendError('bad');
    for (const o of outs) expect(o.expectError()).toBe('bad');
  });
});
