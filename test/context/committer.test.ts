import {
  CommitFailedError,
  Committer,
  Keep,
  Materializer,
  OffsetOrderError,
  rootCause,
  Source,
  StageFailure,
  type BufferStats,
  type CommitResult,
} from 'tributary';
import { TestClock, TestSink, TestSource } from 'tributary/testing';
import { Boom, flush, offsets, RecordingCommittable, type Offset } from './helpers';

const at = offsets();

/** `TestSource.probe → Committer.sink` on a test clock, exposing the committer's BufferStats. */
function sinkRun(committable: RecordingCommittable, settings: Parameters<typeof Committer.sink<Offset>>[1] = {}) {
  const clock = new TestClock();
  let stats: BufferStats | undefined;
  const materializer = clock.materializer({
    observer: { stageStarted: (s) => void (s.name === 'committer' && (stats = s.stats)) },
  });
  const [src, done] = TestSource.probe<Offset>()
    .toMat(Committer.sink(committable, settings), Keep.both)
    .run(materializer);
  let settled: 'pending' | 'resolved' | 'rejected' = 'pending';
  let failure: unknown;
  done.then(
    () => void (settled = 'resolved'),
    (e: unknown) => {
      settled = 'rejected';
      failure = e;
    },
  );
  return { clock, src, done, stats: () => stats!, settled: () => settled, failure: () => failure };
}

describe('Committer.sink', () => {
  it('commits a batch when maxBatch offsets arrived, keeping the highest per partition', async () => {
    const c = new RecordingCommittable();
    const { src } = sinkRun(c, { maxBatch: 3 });
    src.sendNext(at('a', 1)).sendNext(at('b', 1));
    await flush();
    expect(c.calls).toHaveLength(0);
    src.sendNext(at('a', 2));
    await flush();
    expect(c.committed).toEqual([[at('a', 2), at('b', 1)]]);
  });

  it('commits maxIntervalMs after the first offset of a batch, on the scheduler', async () => {
    const c = new RecordingCommittable();
    const { src, clock } = sinkRun(c, { maxBatch: 100, maxIntervalMs: 1_000 });
    src.sendNext(at('a', 1));
    clock.advance(600);
    src.sendNext(at('a', 2)); // does not restart the window
    clock.advance(399);
    await flush();
    expect(c.calls).toHaveLength(0);
    clock.advance(1);
    await flush();
    expect(c.committed).toEqual([[at('a', 2)]]);
    clock.advance(5_000); // an empty batch never commits
    src.sendNext(at('a', 3));
    clock.advance(999);
    expect(c.calls).toHaveLength(1);
    clock.advance(1);
    expect(c.calls.map((x) => x.offsets)).toEqual([[at('a', 2)], [at('a', 3)]]);
  });

  it('runs at most `parallelism` commits and backpressures when a full batch waits for a slot', async () => {
    const c = new RecordingCommittable(true);
    const { src, stats } = sinkRun(c, { maxBatch: 1, parallelism: 2 });
    src.sendNext(at('a', 1)).sendNext(at('a', 2));
    expect(c.calls).toHaveLength(2);
    expect(stats()).toMatchObject({ capacity: 2, inFlight: 2, demand: 0 });
    src.expectRequest(); // the third offset may enter the batch…
    src.sendNext(at('a', 3));
    src.expectNoRequest(); // …but then the full batch waits for a free slot
    expect(c.calls).toHaveLength(2);
    c.calls[1]!.resolve(); // results are handed on in commit order: its slot frees once the first commit is done
    await flush();
    expect(c.calls).toHaveLength(2);
    c.calls[0]!.resolve();
    await flush();
    expect(c.calls.map((x) => x.offsets)).toEqual([[at('a', 1)], [at('a', 2)], [at('a', 3)]]);
    src.expectRequest();
    expect(stats().peak).toBe(2);
  });

  it('commits the remaining offsets when upstream completes, then resolves', async () => {
    const c = new RecordingCommittable(true);
    const { src, settled } = sinkRun(c, { maxBatch: 10 });
    src.sendNext(at('a', 1)).sendNext(at('b', 4)).sendComplete();
    expect(c.calls.map((x) => x.offsets)).toEqual([[at('a', 1), at('b', 4)]]);
    await flush();
    expect(settled()).toBe('pending'); // the commit has not finished yet
    c.calls[0]!.resolve();
    await flush();
    expect(settled()).toBe('resolved');
  });

  it('completes at once on an empty stream', async () => {
    const c = new RecordingCommittable();
    await Source.empty<Offset>().runWith(Committer.sink(c));
    expect(c.calls).toHaveLength(0);
  });

  it('waits for all in-flight commits before completing', async () => {
    const c = new RecordingCommittable(true);
    const { src, settled } = sinkRun(c, { maxBatch: 1, parallelism: 3 });
    src.sendNext(at('a', 1)).sendNext(at('a', 2)).sendComplete();
    c.calls[1]!.resolve();
    await flush();
    expect(settled()).toBe('pending');
    c.calls[0]!.resolve();
    await flush();
    expect(settled()).toBe('resolved');
  });

  it('fails with CommitFailedError naming the offsets when a commit rejects', async () => {
    const c = new RecordingCommittable(true);
    const { src, failure } = sinkRun(c, { maxBatch: 2 });
    src.sendNext(at('a', 1)).sendNext(at('b', 2));
    c.calls[0]!.reject(new Boom('store down'));
    await flush();
    const e = failure() as StageFailure;
    expect(e).toBeInstanceOf(StageFailure);
    expect(e.stage).toBe('committer');
    expect(e.cause).toBeInstanceOf(CommitFailedError);
    const cause = e.cause as CommitFailedError;
    expect(cause.offsets).toEqual([at('a', 1), at('b', 2)]);
    expect(cause.cause).toBeInstanceOf(Boom);
    expect(cause.message).toBe('commit of offsets [{"p":"a","n":1}, {"p":"b","n":2}] failed: store down');
    expect(src.expectCancellation()).toBe(e);
  });

  it('fails when commit throws synchronously', async () => {
    const c = {
      partitionOf: () => 'p',
      commit: (): Promise<void> => {
        throw new Boom('sync');
      },
    };
    const err = await Source.from([1n, 2n]).runWith(Committer.sink(c, { maxBatch: 1 })).catch((e: unknown) => e);
    expect((err as StageFailure).cause).toBeInstanceOf(CommitFailedError);
    expect((err as StageFailure).message).toContain('commit of offsets ["1n"] failed: sync');
  });

  it('with compare, fails with OffsetOrderError when an offset is lower than one already seen', async () => {
    const c = new RecordingCommittable();
    c.compare = (x, y) => x.n - y.n;
    const { src, failure } = sinkRun(c, { maxBatch: 10 });
    src.sendNext(at('a', 5)).sendNext(at('b', 1)).sendNext(at('a', 5)).sendNext(at('a', 3));
    await flush();
    const cause = (failure() as StageFailure).cause as OffsetOrderError;
    expect(cause).toBeInstanceOf(OffsetOrderError);
    expect(cause).toMatchObject({ partition: 'a', offset: at('a', 3), previous: at('a', 5) });
    expect(cause.message).toMatch(/offset \{"p":"a","n":3\} of partition 'a' arrived after the higher offset \{"p":"a","n":5\}/);
    expect(c.calls).toHaveLength(0); // nothing was committed past the unacknowledged offset
  });

  it('without compare, takes arrival order as the order', async () => {
    const c = new RecordingCommittable();
    await Source.from([at('a', 5), at('a', 3)]).runWith(Committer.sink(c, { maxBatch: 10 }));
    expect(c.committed).toEqual([[at('a', 3)]]);
  });

  it('on upstream failure fails at once and commits nothing more', async () => {
    const c = new RecordingCommittable();
    const { src, failure } = sinkRun(c, { maxBatch: 10 });
    src.sendNext(at('a', 1)).sendError(new Boom('source'));
    await flush();
    expect(rootCause(failure())).toBeInstanceOf(Boom);
    expect(c.calls).toHaveLength(0);
  });

  it('fails when partitionOf throws', async () => {
    const c = new RecordingCommittable(false, () => {
      throw new Boom('no partition');
    });
    const err = await Source.single(at('a', 1)).runWith(Committer.sink(c)).catch((e: unknown) => e);
    expect((err as StageFailure).cause).toBeInstanceOf(Boom);
  });

  it('validates its arguments at creation', () => {
    const c = new RecordingCommittable();
    expect(() => Committer.sink(null as never)).toThrow('Committer: committable must be an object, got null');
    expect(() => Committer.sink({ partitionOf: () => 'p' } as never)).toThrow('Committer: committable.commit must be a function, got undefined');
    expect(() => Committer.sink(c, { maxBatch: 0 })).toThrow('Committer: settings.maxBatch must be a positive integer, got 0');
    expect(() => Committer.sink(c, { maxIntervalMs: -1 })).toThrow(/Committer: settings.maxIntervalMs must be a finite, positive number/);
    expect(() => Committer.sink(c, { parallelism: 1.5 })).toThrow('Committer: settings.parallelism must be a positive integer, got 1.5');
    expect(() => Committer.sink(c, { tracker: {} as never })).toThrow('Committer: settings.tracker must come from Committer.track');
    const other = Committer.track(new RecordingCommittable());
    expect(() => Committer.sink(c, { tracker: other })).toThrow('settings.tracker was created by Committer.track for another committable');
  });
});

describe('Committer.flow', () => {
  it('emits one CommitResult per commit, in commit order, after it succeeded', async () => {
    const c = new RecordingCommittable(true);
    const [src, sink] = TestSource.probe<Offset>()
      .via(Committer.flow(c, { maxBatch: 2, parallelism: 2 }))
      .toMat(TestSink.probe<CommitResult<Offset>>(), Keep.both)
      .run();
    sink.request(5);
    src.sendNext(at('a', 1)).sendNext(at('a', 2)).sendNext(at('b', 1)).sendNext(at('a', 3));
    c.calls[1]!.resolve();
    await flush();
    sink.expectNoMessage(); // the first commit has not finished
    c.calls[0]!.resolve();
    await flush();
    sink.expectNext({ offsets: [at('a', 2)], acknowledged: 2 }, { offsets: [at('b', 1), at('a', 3)], acknowledged: 2 });
    src.sendComplete();
    await flush();
    sink.expectComplete();
  });

  it('backpressures when downstream does not take results and all slots hold them', async () => {
    const c = new RecordingCommittable();
    const [src, sink] = TestSource.probe<Offset>()
      .via(Committer.flow(c, { maxBatch: 1, parallelism: 1 }))
      .toMat(TestSink.probe<CommitResult<Offset>>(), Keep.both)
      .run();
    src.sendNext(at('a', 1));
    await flush();
    src.sendNext(at('a', 2)); // fills the batch; the slot holds an unread result
    await flush();
    src.expectNoRequest();
    expect(c.calls).toHaveLength(1);
    sink.request(1);
    sink.expectNext({ offsets: [at('a', 1)], acknowledged: 1 });
    await flush();
    expect(c.calls).toHaveLength(2);
    src.expectRequest();
  });

  it('cancels upstream when downstream cancels', () => {
    const [src, sink] = TestSource.probe<Offset>()
      .via(Committer.flow(new RecordingCommittable()))
      .toMat(TestSink.probe<CommitResult<Offset>>(), Keep.both)
      .run();
    sink.cancel();
    src.expectCancellation();
  });

  it('reports its commit slots as BufferStats', async () => {
    const c = new RecordingCommittable();
    const stages: string[] = [];
    const m = new Materializer({ observer: { stageStarted: (s) => void (s.stats && stages.push(`${s.name}:${s.stats.capacity}`)) } });
    await Source.from([at('a', 1), at('a', 2)]).runWith(Committer.sink(c, { parallelism: 3 }), m);
    expect(stages).toContain('committer:3');
  });
});

describe('Committer.sinkWithContext', () => {
  it('commits the context of each pair', async () => {
    const c = new RecordingCommittable();
    await Source.from([1, 2, 3])
      .asSourceWithContext((n) => at('a', n))
      .map((n) => n * 2)
      .runWith(Committer.sinkWithContext(c, { maxBatch: 2 }));
    expect(c.committed).toEqual([[at('a', 2)], [at('a', 3)]]);
  });

  it('commits all contexts of grouped elements once flattened', async () => {
    const c = new RecordingCommittable();
    await Source.from([1, 2, 3])
      .asSourceWithContext((n) => at(n === 2 ? 'b' : 'a', n))
      .grouped(3)
      .asSource()
      .mapConcat(([, contexts]) => contexts)
      .runWith(Committer.sink(c));
    expect(c.committed).toEqual([[at('a', 3), at('b', 2)]]);
  });
});
