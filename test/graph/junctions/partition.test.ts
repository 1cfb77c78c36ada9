import { Partition, PartitionOutOfBoundsError, StageFailure } from 'tributary';
import { marbleTest } from 'tributary/testing';
import { marbleJunction, probeJunction } from './harness';

const vowel = (s: string): number => ('aeiou'.includes(s) ? 0 : 1);

describe('Partition', () => {
  it('sends each element to the output the partitioner chooses', () => {
    marbleTest((m) => {
      const { outs: [vowels, others] } = marbleJunction(m, Partition.create(2, vowel), ['-a-b-e-c|']);
      m.expectOutput(vowels!).toBe('-a---e--|');
      m.expectOutput(others!).toBe('---b---c|');
    });
  });

  it('backpressures when the chosen output does (holding that one element)', () => {
    const { ins: [src], outs: [vowels, others] } = probeJunction<string, string>(Partition.create(2, vowel));
    others!.request(5);
    src!.sendNext('b').sendNext('a').sendNext('c').sendNext('d');
    others!.expectNext('b');
    expect(src!.pending).toBe(2); // 'a' waits in the stage for the vowel output; c and d wait upstream
    vowels!.request(1).expectNext('a');
    others!.expectNext('c', 'd');
  });

  it('completes after the element it holds was emitted', () => {
    const { ins: [src], outs: [vowels, others] } = probeJunction<string, string>(Partition.create(2, vowel));
    others!.request(1);
    src!.sendNext('a').sendComplete();
    others!.expectNoMessage();
    vowels!.request(1).expectNext('a').expectComplete();
    others!.expectComplete();
  });

  it('fails with PartitionOutOfBoundsError naming the index and n', () => {
    for (const bad of [2, -1, 0.5, Number.NaN]) {
      const { ins: [src], outs: [out0, out1] } = probeJunction<number, number>(Partition.create(2, () => bad));
      out0!.request(1);
      src!.sendNext(7);
      const failure = out1!.expectFailure() as StageFailure;
      expect(failure).toMatchObject({ stage: 'partition' });
      expect(failure.cause).toBeInstanceOf(PartitionOutOfBoundsError);
      expect(failure.cause).toMatchObject({ index: bad, outputs: 2 });
      expect((failure.cause as Error).message).toBe(
        `Partition: the partitioner returned ${String(bad)}, but the index must be an integer in 0..1 (n = 2)`,
      );
      src!.expectCancellation();
    }
  });

  it('fails when the partitioner throws or upstream fails', () => {
    const boom = new Error('which?');
    const { ins: [src], outs: [out0] } = probeJunction<number, number>(Partition.create(2, (): number => {
      throw boom;
    }));
    out0!.request(1);
    src!.sendNext(1);
    expect(out0!.expectFailure()).toMatchObject({ stage: 'partition', cause: boom });

    const second = probeJunction<number, number>(Partition.create(2, () => 0));
    second.ins[0]!.sendError('up');
    expect(second.outs[0]!.expectError()).toBe('up');
    expect(second.outs[1]!.expectError()).toBe('up');
  });

  it('drops elements for a cancelled output and cancels upstream when all outputs cancelled', () => {
    const { ins: [src], outs: [vowels, others] } = probeJunction<string, string>(Partition.create(2, vowel));
    others!.request(1);
    src!.sendNext('a'); // waits for the vowel output…
    vowels!.cancel(); // …which leaves: 'a' is dropped
    src!.sendNext('e').sendNext('b');
    others!.expectNext('b');
    src!.expectNotCancelled();
    others!.cancel();
    src!.expectCancellation();
  });

  it('with eagerCancel cancels upstream when any output cancels', () => {
    const { ins: [src], outs: [, others] } = probeJunction<string, string>(Partition.create(2, vowel, { eagerCancel: true }));
    others!.cancel();
    src!.expectCancellation();
  });

  it('validates its arguments', () => {
    expect(() => Partition.create(0, () => 0)).toThrow('Partition: n must be a positive integer, got 0');
    expect(() => Partition.create(2, 'x' as never)).toThrow('Partition: partitioner must be a function, got string');
    expect(() => Partition.create(2, () => 0, { eagerCancel: 1 as never })).toThrow('Partition: eagerCancel must be a boolean, got 1');
  });
});
