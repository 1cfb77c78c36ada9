import { Attributes, Sink, Source, StageFailure, Supervision } from 'tributary';
import { Boom, harness } from './probe-harness';

const sum = (acc: number, x: number): number => acc + x;
const positiveSum = (acc: number, x: number): number => {
  if (x <= 0) throw new Boom(`non-positive ${x}`);
  return acc + x;
};

describe('scan', () => {
  it('emits the seed, then each accumulated value', async () => {
    expect(await Source.from([1, 2, 3]).scan(0, sum).runWith(Sink.seq())).toEqual([0, 1, 3, 6]);
  });

  it('emits only the seed for an empty stream', async () => {
    expect(await Source.empty<number>().scan(0, sum).runWith(Sink.seq())).toEqual([0]);
  });

  it('emits the seed on the first pull, before any element arrives, and backpressures', () => {
    const { src, sink } = harness<number, number>((s) => s.scan(10, sum));
    src.expectNoRequest();
    sink.request(1).expectNext(10);
    src.expectNoRequest();
    sink.request(1);
    src.expectRequest().sendNext(5);
    sink.expectNext(15);
    src.expectNoRequest();
  });

  it('waits for demand to emit the seed when upstream completes at once', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.scan(0, sum));
    src.sendComplete();
    sink.expectNoMessage();
    sink.request(1).expectNext(0).expectComplete();
    expect(stops('scan')).toBe(1);
  });

  it('fails without the seed when upstream fails first', () => {
    const { src, sink } = harness<number, number>((s) => s.scan(0, sum));
    const boom = new Boom('upstream');
    src.sendError(boom);
    expect(sink.expectFailure()).toBe(boom);
  });

  it('fails with a StageFailure naming scan when f throws, and cancels upstream', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.scan(0, positiveSum));
    sink.request(3).expectNext(0);
    src.sendNext(1).sendNext(-1);
    sink.expectNext(1);
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'scan', cause: expect.any(Boom) });
    expect(src.expectCancellation()).toBe(failure);
    expect(stops('scan')).toBe(1);
  });

  it('resume drops the element and keeps the accumulator', async () => {
    const out = await Source.from([1, 3, -1, 5, 7]).scan(0, positiveSum, { supervision: Supervision.resumingDecider }).runWith(Sink.seq());
    expect(out).toEqual([0, 1, 4, 9, 16]);
  });

  it('restart (via attributes) emits the seed again and accumulates from it', async () => {
    const out = await Source.from([1, 3, -1, 5, 7])
      .scan(0, positiveSum)
      .withAttributes(Attributes.supervision(Supervision.restartingDecider))
      .runWith(Sink.seq());
    expect(out).toEqual([0, 1, 4, 0, 5, 12]);
  });

  it('cancels upstream when downstream cancels, even before the seed went out', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.scan(0, sum));
    sink.cancel();
    src.expectCancellation();
    expect(stops('scan')).toBe(1);
  });

  it('runs independently per materialization', async () => {
    const flow = Source.from([1, 2]).scan(0, sum);
    expect(await flow.runWith(Sink.seq())).toEqual([0, 1, 3]);
    expect(await flow.runWith(Sink.seq())).toEqual([0, 1, 3]);
  });

  it('validates its arguments', () => {
    expect(() => Source.from([1]).scan(0, 'f' as never)).toThrow(/scan: f must be a function, got string/);
    expect(() => Source.from([1]).scan(undefined, sum as never)).toThrow(/scan: zero must not be undefined/);
  });
});
