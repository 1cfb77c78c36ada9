import { Keep, MergeHub, Sink, Source, type BufferStats } from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';
import { observed } from '../substreams/helpers';

describe('MergeHub', () => {
  it('merges the elements of every producer that runs its materialized sink', async () => {
    const [toHub, out] = MergeHub.source<number>(4).take(6).toMat(Sink.seq(), Keep.both).run();
    Source.from([1, 2, 3]).runWith(toHub);
    Source.from([10, 20, 30]).runWith(toHub);
    expect([...(await out)].sort((a, b) => a - b)).toEqual([1, 2, 3, 10, 20, 30]);
  });

  it('backpressures every producer: at most perProducerBufferSize elements of each wait in the hub', () => {
    const { materializer, stats } = observed();
    const [toHub, sink] = MergeHub.source<number>(2).toMat(TestSink.probe<number>(), Keep.both).run(materializer);
    const a = TestSource.probe<number>().to(toHub).run();
    const b = TestSource.probe<number>().to(toHub).run();
    a.sendNext(1).sendNext(2).sendNext(3).sendNext(4);
    b.sendNext(10).sendNext(20).sendNext(30);
    expect(a.pending).toBe(2);
    expect(b.pending).toBe(1);
    a.expectNoRequest();
    const hub = stats<BufferStats>('MergeHub');
    expect(hub.buffered).toBe(4);
    expect(hub.buffered).toBeLessThanOrEqual(hub.capacity);
    sink.request(2);
    expect(sink.expectNextN(2)).toEqual([1, 2]); // arrival order
    expect(a.pending).toBe(0); // credit returned to a
    sink.request(5);
    expect(sink.expectNextN(5)).toEqual([10, 20, 3, 4, 30]);
  });

  it('does not complete or fail when producers complete or fail', () => {
    const [toHub, sink] = MergeHub.source<number>(4).toMat(TestSink.probe<number>(), Keep.both).run();
    const a = TestSource.probe<number>().to(toHub).run();
    const b = TestSource.probe<number>().to(toHub).run();
    sink.request(3);
    a.sendNext(1).sendComplete();
    b.sendNext(2).sendError(new Error('producer b'));
    sink.expectNext(1, 2).expectNoMessage();
    Source.single(3).runWith(toHub);
    sink.expectNext(3).expectNoMessage();
  });

  it('cancels every producer, and later ones at once, when downstream cancels', () => {
    const [toHub, sink] = MergeHub.source<number>(4).toMat(TestSink.probe<number>(), Keep.both).run();
    const a = TestSource.probe<number>().to(toHub).run();
    sink.cancel();
    a.expectCancellation();
    const late = TestSource.probe<number>().to(toHub).run();
    late.expectCancellation();
  });

  it('validates perProducerBufferSize', () => {
    expect(() => MergeHub.source(0)).toThrow(/MergeHub.source: perProducerBufferSize must be a positive integer, got 0/);
  });
});

describe('MergeHub with many producers', () => {
  it('loses and duplicates nothing', async () => {
    const [toHub, total] = MergeHub.source<number>(3)
      .take(10 * 1_000)
      .toMat(Sink.fold(0, (a, x: number) => a + x), Keep.both)
      .run();
    for (let p = 0; p < 10; p++) Source.range(1, 1_000).runWith(toHub);
    expect(await total).toBe(10 * ((1_000 * 1_001) / 2));
  });
});
