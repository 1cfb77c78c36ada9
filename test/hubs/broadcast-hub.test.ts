import { BroadcastHub, Keep, Sink, Source, StageFailure, type BufferStats } from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';
import { observed } from '../substreams/helpers';

function hub(bufferSize = 4) {
  const m = observed();
  const [up, source] = TestSource.probe<number>().toMat(BroadcastHub.sink<number>(bufferSize), Keep.both).run(m.materializer);
  return { up, source, stats: () => m.stats<BufferStats>('BroadcastHub') };
}

describe('BroadcastHub', () => {
  it('sends every element to every consumer', () => {
    const { up, source } = hub();
    const a = source.runWith(TestSink.probe<number>());
    const b = source.runWith(TestSink.probe<number>());
    a.request(3);
    b.request(3);
    up.sendNext(1).sendNext(2).sendNext(3);
    a.expectNext(1, 2, 3);
    b.expectNext(1, 2, 3);
  });

  it('lets the slowest consumer set the pace: upstream waits once bufferSize elements are unread', () => {
    const { up, source, stats } = hub(4);
    const fast = source.runWith(TestSink.probe<number>());
    const slow = source.runWith(TestSink.probe<number>());
    fast.request(100);
    for (let i = 1; i <= 10; i++) up.sendNext(i);
    expect(fast.expectNextN(4)).toEqual([1, 2, 3, 4]);
    expect(up.pending).toBe(6);
    up.expectNoRequest();
    expect(stats().buffered).toBe(4);
    expect(stats().peak).toBeLessThanOrEqual(4);
    slow.request(2).expectNext(1, 2);
    expect(fast.expectNextN(2)).toEqual([5, 6]);
    expect(up.pending).toBe(4);
  });

  it('buffers without consumers, then backpressures; a new consumer starts at the oldest buffered element', () => {
    const { up, source } = hub(2);
    up.sendNext(1).sendNext(2).sendNext(3);
    expect(up.pending).toBe(1);
    const late = source.runWith(TestSink.probe<number>());
    late.request(3).expectNext(1, 2, 3);
  });

  it('completes each consumer after its last element; consumers attaching afterwards complete at once', () => {
    const { up, source } = hub();
    const a = source.runWith(TestSink.probe<number>());
    up.sendNext(1).sendComplete();
    a.expectNoMessage();
    a.request(1).expectNext(1).expectComplete();
    source.runWith(TestSink.probe<number>()).expectComplete();
  });

  it('fails every consumer, and later ones, when upstream fails', () => {
    const { up, source } = hub();
    const a = source.runWith(TestSink.probe<number>());
    const boom = new Error('upstream');
    up.sendError(boom);
    expect(a.expectError()).toBe(boom);
    const late = source.runWith(TestSink.probe<number>());
    const failure = late.expectFailure() as StageFailure;
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure.cause).toBe(boom);
  });

  it('detaches a cancelling consumer; the others and upstream go on', () => {
    const { up, source } = hub(2);
    const a = source.runWith(TestSink.probe<number>());
    const b = source.runWith(TestSink.probe<number>());
    a.request(5);
    up.sendNext(1).sendNext(2).sendNext(3);
    a.expectNext(1, 2);
    b.cancel(); // b held the buffer back
    a.expectNext(3);
    up.expectNotCancelled();
  });

  it('validates bufferSize', () => {
    expect(() => BroadcastHub.sink(0)).toThrow(/BroadcastHub.sink: bufferSize must be a positive integer, got 0/);
  });

  it('works end to end: a consumer attached while elements are buffered gets them all', async () => {
    const source = Source.range(1, 100).runWith(BroadcastHub.sink<number>(8));
    const [a, b] = [source.runWith(Sink.seq()), source.runWith(Sink.seq())];
    const range = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(await a).toEqual(range);
    const rest = await b; // attached later: a suffix of the stream
    expect(rest).toEqual(range.slice(100 - rest.length));
  });
});
