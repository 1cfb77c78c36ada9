import { Keep, Materializer, QueueClosedError, Sink, Source, StageFailure, type BufferStats } from 'tributary';
import { TestSink } from 'tributary/testing';

function run(bufferSize: number) {
  const stats: BufferStats[] = [];
  const materializer = new Materializer({
    observer: { stageStarted: (s) => s.name === 'queue' && s.stats && stats.push(s.stats) },
  });
  const [queue, probe] = Source.queue<number>(bufferSize).toMat(TestSink.probe<number>(), Keep.both).run(materializer);
  return { queue, probe, stats: () => stats[0]! };
}

describe('Source.queue', () => {
  it('delivers elements offered before and after demand, in order', () => {
    const { queue, probe } = run(4);
    expect(queue.offer(1)).toBe('enqueued');
    expect(queue.offer(2)).toBe('enqueued');
    expect(queue.size).toBe(2);
    probe.request(1).expectNext(1);
    probe.request(3).expectNext(2);
    expect(queue.size).toBe(0);
    expect(queue.offer(3)).toBe('enqueued');
    expect(queue.offer(4)).toBe('enqueued');
    probe.expectNext(3, 4);
    expect(queue.offer(5)).toBe('enqueued');
    probe.expectNoMessage();
    probe.request(1).expectNext(5);
  });

  it('answers dropped when full and never holds more than bufferSize (BufferStats)', () => {
    const { queue, probe, stats } = run(2);
    expect(queue.offer(1)).toBe('enqueued');
    expect(queue.offer(2)).toBe('enqueued');
    expect(queue.offer(3)).toBe('dropped');
    expect(queue.size).toBe(2);
    expect(stats()).toMatchObject({ capacity: 2, buffered: 2, inFlight: 0, demand: 0 });
    probe.request(1).expectNext(1);
    expect(stats()).toMatchObject({ buffered: 1, demand: 1 });
    expect(queue.offer(4)).toBe('enqueued');
    probe.request(5).expectNext(2, 4);
    expect(stats().peak).toBe(2);
  });

  it('ready() resolves at once when there is room and once an element leaves a full queue', async () => {
    const { queue, probe } = run(1);
    await expect(queue.ready()).resolves.toBeUndefined();
    queue.offer(1);
    let ready = false;
    const p = queue.ready().then(() => (ready = true));
    await Promise.resolve();
    expect(ready).toBe(false);
    probe.request(1).expectNext(1);
    await p;
    expect(ready).toBe(true);
    expect(queue.offer(2)).toBe('enqueued');
  });

  it('complete() delivers queued elements first, then completes; later offers are closed', () => {
    const { queue, probe } = run(4);
    queue.offer(1);
    queue.offer(2);
    queue.complete();
    expect(queue.offer(3)).toBe('closed');
    probe.expectNoMessage();
    probe.request(1).expectNext(1).expectNoMessage();
    probe.request(1).expectNext(2).expectComplete();
  });

  it('complete() on an empty queue completes without demand', () => {
    const { queue, probe } = run(4);
    queue.complete();
    probe.expectComplete();
  });

  it('fail() fails at once, dropping queued elements; later offers answer failed', () => {
    const { queue, probe } = run(4);
    queue.offer(1);
    const boom = new Error('producer broke');
    queue.fail(boom);
    const failure = probe.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'queue', cause: boom });
    expect(queue.offer(2)).toBe('failed');
    expect(queue.size).toBe(0);
    queue.complete(); // the first terminal call wins
    probe.expectNoMessage();
  });

  it('ready() rejects with QueueClosedError once completed, failed or cancelled (also when waiting)', async () => {
    const a = run(1);
    a.queue.offer(1);
    const waiting = a.queue.ready();
    a.queue.complete();
    await expect(waiting).rejects.toBeInstanceOf(QueueClosedError);
    await expect(a.queue.ready()).rejects.toMatchObject({ reason: 'completed' });

    const b = run(1);
    b.queue.fail(new Error('x'));
    await expect(b.queue.ready()).rejects.toMatchObject({ name: 'QueueClosedError', reason: 'failed' });

    const c = run(1);
    c.queue.offer(1);
    const waitingC = c.queue.ready();
    c.probe.cancel();
    await expect(waitingC).rejects.toMatchObject({ reason: 'cancelled' });
  });

  it('answers closed after downstream cancels and releases the buffer', () => {
    const { queue, probe } = run(4);
    queue.offer(1);
    queue.offer(2);
    probe.cancel();
    expect(queue.size).toBe(0);
    expect(queue.offer(3)).toBe('closed');
  });

  it('keeps order when the consumer offers re-entrantly', async () => {
    const seen: number[] = [];
    const [queue, done] = Source.queue<number>(8)
      .toMat(
        Sink.forEach<number>((x) => {
          seen.push(x);
          if (x < 50) queue.offer(x * 10);
        }),
        Keep.both,
      )
      .run();
    queue.offer(1);
    queue.offer(2);
    queue.complete();
    await done;
    expect(seen).toEqual([1, 10, 100, 2, 20, 200]);
  });

  it('lets a producer wait with ready() and lose nothing', async () => {
    const [queue, done] = Source.queue<number>(4)
      .mapAsync(1, (x) => new Promise<number>((r) => setImmediate(() => r(x))))
      .toMat(Sink.seq(), Keep.both)
      .run();
    for (let i = 0; i < 50; i++) {
      while (queue.offer(i) === 'dropped') await queue.ready();
    }
    queue.complete();
    expect(await done).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('validates bufferSize', () => {
    expect(() => Source.queue(0)).toThrow(/Source\.queue: bufferSize must be a positive integer, got 0/);
  });
});
