import { AlreadyMaterializedError, Keep, Sink, Source, StageFailure, SubscriptionTimeoutError, type NotUsed } from 'tributary';
import { TestClock, TestSink, TestSource } from 'tributary/testing';

type Pair = [number[], Source<number, NotUsed>];

describe('prefixAndTail', () => {
  it('emits the prefix and a source of the rest, then completes', async () => {
    const out = await Source.range(1, 5)
      .prefixAndTail(2)
      .flatMapConcat(([prefix, tail]) => tail.map((x) => `${prefix.join('+')}:${x}`))
      .runWith(Sink.seq());
    expect(out).toEqual(['1+2:3', '1+2:4', '1+2:5']);
  });

  it('emits a shorter prefix and an empty tail when upstream completes first; n = 0 gives an empty prefix', async () => {
    const [prefix, tail] = await Source.range(1, 2).prefixAndTail(5).runWith(Sink.head());
    expect(prefix).toEqual([1, 2]);
    expect(await tail.runWith(Sink.seq())).toEqual([]);
    const [p0, t0] = await Source.range(1, 2).prefixAndTail(0).runWith(Sink.head());
    expect(p0).toEqual([]);
    expect(await t0.runWith(Sink.seq())).toEqual([1, 2]);
  });

  it('emits only when downstream pulls, and completes right after the pair', () => {
    const clock = new TestClock();
    const [up, sink] = TestSource.probe<number>()
      .prefixAndTail(1)
      .toMat(TestSink.probe<Pair>(clock), Keep.both)
      .run(clock.materializer());
    up.sendNext(1);
    expect(up.pending).toBe(1); // not pulled before downstream asks
    sink.request(1);
    const [[prefix]] = sink.expectNextN(1);
    expect(prefix).toEqual([1]);
    sink.expectComplete();
    up.expectNotCancelled();
  });

  it('lets the tail consumer set the pace (one element per pull, nothing buffered)', () => {
    const [up, sink] = TestSource.probe<number>().prefixAndTail(1).toMat(TestSink.probe<Pair>(), Keep.both).run();
    sink.request(1);
    up.sendNext(1);
    const [[, tail]] = sink.expectNextN(1);
    const tailProbe = tail.runWith(TestSink.probe<number>());
    up.sendNext(2).sendNext(3);
    expect(up.pending).toBe(2);
    tailProbe.request(1).expectNext(2);
    expect(up.pending).toBe(1);
    up.sendComplete();
    tailProbe.request(1).expectNext(3).expectComplete();
  });

  it('fails a second materialization of the tail with AlreadyMaterializedError (running or finished)', async () => {
    const [up, sink] = TestSource.probe<number>().prefixAndTail(1).toMat(TestSink.probe<Pair>(), Keep.both).run();
    sink.request(1);
    up.sendNext(1);
    const [[, tail]] = sink.expectNextN(1);
    const first = tail.runWith(Sink.seq());
    await expect(tail.runWith(Sink.seq())).rejects.toMatchObject({ cause: expect.any(AlreadyMaterializedError) });
    up.sendNext(2).sendComplete();
    expect(await first).toEqual([2]);
    await expect(tail.runWith(Sink.seq())).rejects.toMatchObject({ cause: expect.any(AlreadyMaterializedError) });
  });

  it('cancels upstream and fails the tail with SubscriptionTimeoutError when the tail is not materialized in time', async () => {
    const clock = new TestClock();
    const [up, sink] = TestSource.probe<number>()
      .prefixAndTail(1, { subscriptionTimeoutMs: 1_000 })
      .toMat(TestSink.probe<Pair>(clock), Keep.both)
      .run(clock.materializer());
    sink.request(1);
    up.sendNext(1);
    const [[, tail]] = sink.expectNextN(1);
    sink.expectComplete().expectNoMessage(999);
    up.expectNotCancelled();
    clock.advance(1);
    up.expectCancellation();
    const late = tail.runWith(Sink.seq(), clock.materializer());
    await expect(late).rejects.toMatchObject({ cause: expect.any(SubscriptionTimeoutError) });
  });

  it('fails when upstream fails before the pair; afterwards the tail fails', async () => {
    const [up, sink] = TestSource.probe<number>().prefixAndTail(2).toMat(TestSink.probe<Pair>(), Keep.both).run();
    sink.request(1);
    const boom = new Error('early');
    up.sendNext(1).sendError(boom);
    expect(sink.expectError()).toBe(boom);

    const [up2, sink2] = TestSource.probe<number>().prefixAndTail(1).toMat(TestSink.probe<Pair>(), Keep.both).run();
    sink2.request(1);
    up2.sendNext(1);
    const [[, tail]] = sink2.expectNextN(1);
    const tailProbe = tail.runWith(TestSink.probe<number>());
    const late = new Error('late');
    up2.sendError(late);
    expect(tailProbe.expectError()).toBe(late);
    expect(tailProbe.expectNoMessage()).toBeDefined();
  });

  it('cancelling the tail cancels upstream; cancelling before the pair cancels upstream too', () => {
    const [up, sink] = TestSource.probe<number>().prefixAndTail(1).toMat(TestSink.probe<Pair>(), Keep.both).run();
    sink.request(1);
    up.sendNext(1);
    const [[, tail]] = sink.expectNextN(1);
    tail.runWith(TestSink.probe<number>()).cancel();
    up.expectCancellation();

    const [up2, sink2] = TestSource.probe<number>().prefixAndTail(3).toMat(TestSink.probe<Pair>(), Keep.both).run();
    sink2.request(1);
    sink2.cancel();
    up2.expectCancellation();
  });

  it('names the failing stage', async () => {
    const failure = await Source.failed<number>(new Error('x'))
      .prefixAndTail(1)
      .runWith(Sink.head())
      .then(() => undefined, (e: unknown) => e as StageFailure);
    expect(failure).toBeInstanceOf(StageFailure);
  });

  it('validates its arguments', () => {
    expect(() => Source.single(1).prefixAndTail(1.5)).toThrow(/prefixAndTail: n must be a non-negative integer, got 1.5/);
    expect(() => Source.single(1).prefixAndTail(1, { subscriptionTimeoutMs: 0 })).toThrow(/prefixAndTail: subscriptionTimeoutMs/);
  });
});
