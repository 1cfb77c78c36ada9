import { Keep, PartitionHub, StageFailure, type BufferStats } from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';
import { observed } from '../substreams/helpers';

function hub(startAfter: number, bufferSize = 4, partitioner = (n: number, x: number) => x % n) {
  const m = observed();
  const [up, source] = TestSource.probe<number>()
    .toMat(PartitionHub.sink<number>(partitioner, startAfter, bufferSize), Keep.both)
    .run(m.materializer);
  return { up, source, stats: () => m.stats<BufferStats>('PartitionHub') };
}

describe('PartitionHub', () => {
  it('routes each element to the consumer the partitioner picks', () => {
    const { up, source } = hub(2);
    const a = source.runWith(TestSink.probe<number>());
    const b = source.runWith(TestSink.probe<number>());
    a.request(5);
    b.request(5);
    up.sendNext(0).sendNext(1).sendNext(2).sendNext(3);
    a.expectNext(0, 2);
    b.expectNext(1, 3);
  });

  it('routes nothing before startAfterNrOfConsumers consumers attached (buffers, then backpressures)', () => {
    const { up, source } = hub(2, 3);
    const a = source.runWith(TestSink.probe<number>());
    a.request(5);
    up.sendNext(0).sendNext(1).sendNext(2).sendNext(3);
    a.expectNoMessage();
    expect(up.pending).toBe(1);
    const b = source.runWith(TestSink.probe<number>());
    b.request(5);
    a.expectNext(0, 2);
    b.expectNext(1, 3);
  });

  it('holds at most bufferSize elements in total: a slow consumer sets the pace', () => {
    const { up, source, stats } = hub(2, 4);
    const fast = source.runWith(TestSink.probe<number>());
    source.runWith(TestSink.probe<number>()); // slow: never requests
    fast.request(100);
    for (let i = 0; i < 20; i++) up.sendNext(i);
    expect(stats().buffered).toBe(4);
    expect(stats().peak).toBeLessThanOrEqual(4);
    up.expectNoRequest();
    expect(fast.received).toEqual([0, 2, 4, 6]); // 1, 3, 5, 7 fill the buffer in the slow consumer's queue
  });

  it('routes the queued elements of a cancelling consumer to the others', () => {
    const { up, source } = hub(2);
    const a = source.runWith(TestSink.probe<number>());
    const b = source.runWith(TestSink.probe<number>());
    up.sendNext(1).sendNext(3);
    b.cancel();
    a.request(2).expectNext(1, 3);
  });

  it('completes consumers when upstream completed and their queue is empty', () => {
    const { up, source } = hub(1);
    const a = source.runWith(TestSink.probe<number>());
    up.sendNext(0).sendComplete();
    a.request(2).expectNext(0).expectComplete();
    source.runWith(TestSink.probe<number>()).expectComplete();
  });

  it('fails every consumer when the partitioner returns an index out of range or throws, or upstream fails', () => {
    const bad = hub(1, 4, () => 7);
    const a = bad.source.runWith(TestSink.probe<number>());
    bad.up.sendNext(1);
    const failure = a.expectFailure() as StageFailure;
    expect(failure.stage).toBe('PartitionHub');
    expect(String(failure.cause)).toMatch(/partitioner must return an index in 0..0, got 7/);
    bad.up.expectCancellation();

    const { up, source } = hub(1);
    const b = source.runWith(TestSink.probe<number>());
    const boom = new Error('upstream');
    up.sendError(boom);
    expect(b.expectError()).toBe(boom);
  });

  it('validates its arguments', () => {
    expect(() => PartitionHub.sink(5 as never)).toThrow(/PartitionHub.sink: partitioner must be a function/);
    expect(() => PartitionHub.sink(() => 0, -1)).toThrow(/startAfterNrOfConsumers must be a non-negative integer/);
    expect(() => PartitionHub.sink(() => 0, 1, 0)).toThrow(/bufferSize must be a positive integer/);
  });
});
