import { Flow, Keep, Sink, Source, StageFailure } from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';

const addPrefixSum = (prefix: number[]) => Flow.create<number>().map((x) => x + prefix.reduce((a, b) => a + b, 0));

describe('flatMapPrefix', () => {
  it('builds the flow from the first n elements and runs the prefix and the rest through it', async () => {
    const out = await Source.range(1, 5).flatMapPrefix(2, addPrefixSum).runWith(Sink.seq());
    expect(out).toEqual([4, 5, 6, 7, 8]);
  });

  it('calls f with a shorter prefix when upstream completes first, and with [] for n = 0', async () => {
    const seen: number[][] = [];
    const f = (p: number[]) => (seen.push(p), Flow.create<number>());
    expect(await Source.range(1, 2).flatMapPrefix(5, f).runWith(Sink.seq())).toEqual([1, 2]);
    expect(await Source.range(1, 2).flatMapPrefix(0, f).runWith(Sink.seq())).toEqual([1, 2]);
    expect(await Source.empty<number>().flatMapPrefix(1, f).runWith(Sink.seq())).toEqual([]);
    expect(seen).toEqual([[1, 2], [], []]);
  });

  it('lets the flow set the pace after the prefix (backpressure, nothing buffered)', () => {
    const [up, sink] = TestSource.probe<number>()
      .flatMapPrefix(1, () => Flow.create<number>())
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(1);
    up.sendNext(1).sendNext(2).sendNext(3);
    sink.expectNext(1);
    expect(up.pending).toBe(2); // the identity flow has not pulled again: 2 and 3 stay upstream
    up.expectNoRequest();
    sink.request(2).expectNext(2, 3);
  });

  it('completes when the flow completes (e.g. take), cancelling upstream', () => {
    const [up, sink] = TestSource.probe<number>()
      .flatMapPrefix(1, () => Flow.create<number>().take(2))
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(5);
    up.sendNext(1).sendNext(2);
    sink.expectNext(1, 2).expectComplete();
    up.expectCancellation();
  });

  it('fails when upstream fails before the prefix is complete (f is not called)', () => {
    let called = false;
    const [up, sink] = TestSource.probe<number>()
      .flatMapPrefix(3, () => ((called = true), Flow.create<number>()))
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(1);
    const boom = new Error('early');
    up.sendNext(1).sendError(boom);
    expect(sink.expectError()).toBe(boom);
    expect(called).toBe(false);
  });

  it('passes a later upstream failure into the flow, which may recover', () => {
    const [up, sink] = TestSource.probe<number>()
      .flatMapPrefix(1, () => Flow.create<number>().recover(() => -1))
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(5);
    up.sendNext(1).sendNext(2).sendError(new Error('late'));
    sink.expectNext(1, 2, -1).expectComplete();
  });

  it('fails with a StageFailure when f throws or does not return a Flow, and when the flow fails', async () => {
    const failure = (s: Source<number, unknown>) => s.runWith(Sink.seq()).then(() => undefined, (e: unknown) => e as StageFailure);
    const thrown = await failure(
      Source.range(1, 3).flatMapPrefix(1, () => {
        throw new Error('f');
      }),
    );
    expect(thrown?.stage).toBe('flatMapPrefix');
    const wrong = await failure(Source.range(1, 3).flatMapPrefix(1, () => Source.single(1) as never));
    expect(String(wrong?.cause)).toMatch(/flatMapPrefix: f must return a Flow, got object/);
    const inner = await failure(
      Source.range(1, 3).flatMapPrefix(1, () =>
        Flow.create<number>().map((x) => {
          if (x === 2) throw new Error('inner');
          return x;
        }),
      ),
    );
    expect(inner?.stage).toBe('map');
  });

  it('cancelling downstream cancels upstream and the flow', async () => {
    let flowDone: Promise<void> | undefined;
    const [up, sink] = TestSource.probe<number>()
      .flatMapPrefix(1, () => Flow.create<number>().watchTermination((_, d) => void (flowDone = d)))
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(1);
    up.sendNext(1);
    sink.expectNext(1);
    sink.cancel();
    up.expectCancellation();
    await flowDone;
  });

  it('validates its arguments', () => {
    expect(() => Source.single(1).flatMapPrefix(-1, addPrefixSum)).toThrow(/flatMapPrefix: n must be a non-negative integer, got -1/);
    expect(() => Source.single(1).flatMapPrefix(1, null as never)).toThrow(/flatMapPrefix: f must be a function/);
  });
});
