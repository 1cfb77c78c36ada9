import { BufferOverflowError, Keep, Materializer, OverflowStrategy, Source, Sink, rootCause, type StageInfo } from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';

function run(size: number, strategy: OverflowStrategy) {
  const stages: StageInfo[] = [];
  const m = new Materializer({ observer: { stageStarted: (s) => void stages.push(s) } });
  const [src, sink] = TestSource.probe<number>().buffer(size, strategy).toMat(TestSink.probe<number>(), Keep.both).run(m);
  const stats = stages.find((s) => s.name === 'buffer')!.stats!;
  return { src, sink, stats };
}

describe('buffer', () => {
  it('backpressure: holds up to size, then stops demanding; refills once half drained', () => {
    const { src, sink, stats } = run(4, 'backpressure');
    for (let i = 1; i <= 4; i++) src.sendNext(i);
    src.expectNoRequest();
    expect(stats).toMatchObject({ capacity: 4, buffered: 4, peak: 4, demand: 0 });
    const signals = src.demandSignals;
    sink.request(1).expectNext(1);
    expect(src.demandSignals).toBe(signals); // 3 buffered > half: no new demand signal yet
    sink.request(1).expectNext(2);
    expect(src.demandSignals).toBe(signals + 1); // drained to half: one batched signal
    src.expectRequest();
    sink.request(10).expectNext(3, 4);
    src.sendNext(5);
    sink.expectNext(5);
    src.sendComplete();
    sink.expectComplete();
  });

  it('passes elements straight through when downstream is waiting', () => {
    const { src, sink, stats } = run(2, 'backpressure');
    sink.request(3);
    src.sendNext(1).sendNext(2).sendNext(3);
    sink.expectNext(1, 2, 3);
    expect(stats.peak).toBe(0);
  });

  it.each([
    ['dropHead', [2, 3, 4]],
    ['dropTail', [1, 2, 4]],
    ['dropBuffer', [4]],
    ['dropNew', [1, 2, 3]],
  ] as const)('%s keeps %j of 1..4 in a buffer of 3', (strategy, kept) => {
    const { src, sink, stats } = run(3, strategy);
    for (let i = 1; i <= 4; i++) src.sendNext(i);
    src.expectRequest(); // dropping strategies never backpressure
    expect(stats.peak).toBe(3);
    src.sendComplete();
    sink.request(10);
    sink.expectNext(...kept).expectComplete();
  });

  it('fail: fails with BufferOverflowError and cancels upstream', () => {
    const { src, sink } = run(2, 'fail');
    src.sendNext(1).sendNext(2).sendNext(3);
    sink.request(1);
    expect(rootCause(sink.expectError())).toBeInstanceOf(BufferOverflowError);
    src.expectCancellation();
  });

  it('completes after draining and delivers upstream failure at once', () => {
    const a = run(4, 'backpressure');
    a.src.sendNext(1).sendNext(2).sendComplete();
    a.sink.expectNoMessage();
    a.sink.request(2).expectNext(1, 2).expectComplete();
    const b = run(4, 'backpressure');
    b.src.sendNext(1).sendError(new Error('up'));
    expect(b.sink.expectError()).toEqual(new Error('up'));
  });

  it('downstream cancel cancels upstream', () => {
    const { src, sink } = run(4, 'backpressure');
    src.sendNext(1);
    sink.cancel();
    src.expectCancellation();
  });
});

describe('async()', () => {
  it('is an explicit boundary with a buffer (default 16, or the inputBuffer attribute)', async () => {
    const stages: StageInfo[] = [];
    const m = new Materializer({ observer: { stageStarted: (s) => void stages.push(s) } });
    const out = await Source.range(1, 10_000).async().map((x) => x * 2).async(4).runWith(Sink.seq(), m);
    expect(out).toHaveLength(10_000);
    expect(out[9_999]).toBe(20_000);
    // stages start downstream first
    expect(stages.filter((s) => s.name === 'async').map((s) => s.stats!.capacity)).toEqual([4, 16]);
    for (const s of stages) if (s.stats) expect(s.stats.peak).toBeLessThanOrEqual(s.stats.capacity);
  });
});
