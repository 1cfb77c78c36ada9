import {
  Attributes,
  Committer,
  FlowWithContext,
  Keep,
  Sink,
  Source,
  StageFailure,
  Supervision,
  UnacknowledgedOffsetsError,
  UntrackedOffsetError,
  rootCause,
  type CommitTracker,
} from 'tributary';
import { Subject } from 'rxjs';
import { TestSource } from 'tributary/testing';
import { Boom, flush, offsets, RecordingCommittable, type Offset } from './helpers';

const at = offsets();

/**
 * source probe → asSourceWithContext → tracker.flow() → an acknowledging stage the test drives (each context is
 * acknowledged when the test calls `ack`, in any order; contexts in `dropped` are lost on the way) →
 * Committer.sink(…, { tracker }).
 */
function tracked(maxDeferred: number, settings: { maxBatch?: number } = {}) {
  const c = new RecordingCommittable();
  const tracker = Committer.track(c, { maxDeferred });
  const inFlight = new Map<Offset, Subject<Offset>>();
  const dropped = new Set<Offset>();
  const [src, done] = TestSource.probe<Offset>()
    .asSourceWithContext((o) => o)
    .via(tracker.flow<Offset>())
    .asSource()
    .mapAsyncUnordered(16, ([, o]) => {
      const subject = new Subject<Offset>();
      inFlight.set(o, subject);
      return subject;
    })
    .filter((o) => !dropped.has(o))
    .toMat(Committer.sink(c, { tracker, maxBatch: settings.maxBatch ?? 1 }), Keep.both)
    .run();
  /** Acknowledges the element with context `o` (as `as`, to simulate a wrong acknowledgement). */
  const ack = (o: Offset, as: Offset = o): void => {
    const subject = inFlight.get(o)!;
    inFlight.delete(o);
    subject.next(as);
  };
  return { c, tracker, src, done, ack, dropped };
}

describe('Committer.track', () => {
  it('commits only the contiguous acknowledged prefix of each partition', async () => {
    const { c, src, ack } = tracked(10);
    src.sendNext(at('a', 1)).sendNext(at('a', 2)).sendNext(at('b', 1)).sendNext(at('a', 3));
    ack(at('a', 2));
    ack(at('a', 3)); // a1 is not acknowledged yet: nothing of partition a is committable
    ack(at('b', 1));
    await flush();
    expect(c.committed).toEqual([[at('b', 1)]]);
    ack(at('a', 1)); // closes the gap: a3 covers a1..a3
    await flush();
    expect(c.committed).toEqual([[at('b', 1)], [at('a', 3)]]);
  });

  it('counts the offsets a closed gap covers towards maxBatch', async () => {
    const { c, src, ack } = tracked(10, { maxBatch: 3 });
    src.sendNext(at('a', 1)).sendNext(at('a', 2)).sendNext(at('a', 3));
    ack(at('a', 3));
    ack(at('a', 2));
    await flush();
    expect(c.calls).toHaveLength(0);
    ack(at('a', 1));
    await flush();
    expect(c.committed).toEqual([[at('a', 3)]]);
  });

  it('stops pulling from the source while maxDeferred acknowledgements wait on a gap, and resumes when it closes', () => {
    const { tracker, src, ack } = tracked(2);
    src.sendNext(at('a', 1)).sendNext(at('a', 2)).sendNext(at('a', 3)).sendNext(at('a', 4));
    ack(at('a', 2));
    src.expectRequest(); // 1 deferred < 2
    ack(at('a', 3));
    expect(tracker.stats).toEqual({ deferred: 2, peakDeferred: 2, outstanding: 2 });
    src.sendNext(at('a', 5)); // the tracker had already asked for it: it passes
    src.expectNoRequest(); // now the tracker waits
    ack(at('a', 4)); // acknowledgements still get through (the committer keeps pulling)
    expect(tracker.stats.deferred).toBe(3);
    src.expectNoRequest();
    ack(at('a', 1)); // gap closed: 1..4 committable
    expect(tracker.stats).toEqual({ deferred: 0, peakDeferred: 3, outstanding: 1 });
    src.expectRequest();
  });

  it('fails with UntrackedOffsetError for an offset that never passed the tracker, or is acknowledged twice', async () => {
    const first = tracked(10);
    first.src.sendNext(at('a', 1));
    first.ack(at('a', 1), at('z', 9));
    const e1 = await first.done.catch((e: unknown) => e);
    expect(rootCause(e1)).toBeInstanceOf(UntrackedOffsetError);
    expect((rootCause(e1) as Error).message).toMatch(/offset \{"p":"z","n":9\} of partition 'z' was acknowledged but is not outstanding/);

    const second = tracked(10);
    second.src.sendNext(at('a', 1)).sendNext(at('a', 2));
    second.ack(at('a', 1));
    second.ack(at('a', 2), at('a', 1));
    expect(rootCause(await second.done.catch((e: unknown) => e))).toBeInstanceOf(UntrackedOffsetError);
  });

  it('on completion with unacknowledged offsets commits the prefix, then fails naming the gap', async () => {
    const { c, src, ack, dropped, done } = tracked(10, { maxBatch: 100 });
    src.sendNext(at('a', 1)).sendNext(at('a', 2)).sendNext(at('a', 3)).sendNext(at('b', 7));
    dropped.add(at('a', 2)).add(at('b', 7)); // lost on the way to the committer
    for (const o of [at('a', 1), at('a', 2), at('a', 3), at('b', 7)]) ack(o);
    src.sendComplete();
    const e = await done.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StageFailure);
    const cause = rootCause(e) as UnacknowledgedOffsetsError;
    expect(cause).toBeInstanceOf(UnacknowledgedOffsetsError);
    expect([...cause.unacknowledged]).toEqual([
      ['a', [at('a', 2)]],
      ['b', [at('b', 7)]],
    ]);
    expect(cause.message).toContain(`partition 'a': {"p":"a","n":2}; partition 'b': {"p":"b","n":7}`);
    expect(c.committed).toEqual([[at('a', 1)]]);
  });

  it('works end to end with an acknowledging stage that completes out of order', async () => {
    const c = new RecordingCommittable();
    const tracker = Committer.track(c, { maxDeferred: 4 });
    const delays = [3, 0, 2, 1, 0, 4, 1, 0, 2, 3];
    await Source.from(delays.map((d, i) => [d, at(i % 2 ? 'odd' : 'even', i)] as const))
      .asSourceWithContext(([, o]) => o)
      .via(tracker.flow<readonly [number, Offset]>().map(([d]) => d))
      .asSource()
      .mapAsyncUnordered(4, async ([d, o]) => {
        for (let i = 0; i < d; i++) await Promise.resolve();
        return o;
      })
      .runWith(Committer.sink(c, { tracker, maxBatch: 2 }));
    expect(c.last).toEqual(
      new Map([
        ['even', at('even', 8)],
        ['odd', at('odd', 9)],
      ]),
    );
    expect(tracker.stats.peakDeferred).toBeLessThanOrEqual(4 + 4);
  });

  it('tracked flows offer map, mapAsync and grouped only, and keep every context', async () => {
    const c = new RecordingCommittable();
    const tracker = Committer.track(c);
    const out = await Source.from([1, 2, 3])
      .asSourceWithContext((n) => at('a', n))
      .via(
        tracker
          .flow<number>()
          .map((n) => n * 2)
          .mapAsync(2, (n) => Promise.resolve(n + 1))
          .grouped(2)
          .named('work'),
      )
      .asSource()
      .alsoTo(Sink.ignore())
      .mapConcat(([, contexts]) => contexts)
      .runWith(Committer.flow(c, { tracker }).toMat(Sink.seq(), Keep.right));
    expect(out).toEqual([{ offsets: [at('a', 3)], acknowledged: 3 }]);

    const flow = tracker.flow<number>();
    // @ts-expect-error filter could drop a tracked context
    expect(flow.filter).toBeUndefined();
    // @ts-expect-error collect could drop a tracked context
    expect(flow.collect).toBeUndefined();
    // @ts-expect-error mapConcat could drop (empty) or repeat a tracked context
    expect(flow.mapConcat).toBeUndefined();
    // @ts-expect-error mapContext would replace the tracked offsets
    expect(flow.mapContext).toBeUndefined();
    // @ts-expect-error no supervision: resuming would drop a tracked context
    flow.map((n) => n, { supervision: Supervision.resumingDecider });
    const swc = Source.single(1).asSourceWithContext((n) => at('a', n)).via(flow);
    // @ts-expect-error the tracked source stays restricted after via
    expect(swc.filter).toBeUndefined();
    // @ts-expect-error a plain FlowWithContext (which may filter) cannot be appended to a tracked one
    swc.via(FlowWithContext.create<number, Offset>());
  });

  it('a throwing function in a tracked map fails the stream even under a resuming decider', async () => {
    const c = new RecordingCommittable();
    const tracker = Committer.track(c);
    const err = await Source.from([1, 2])
      .asSourceWithContext((n) => at('a', n))
      .via(
        tracker.flow<number>().map((n) => {
          if (n === 1) throw new Boom('bad');
          return n;
        }),
      )
      .asSource()
      .withAttributes(Attributes.supervision(Supervision.resumingDecider))
      .map(([, o]) => o)
      .runWith(Committer.sink(c, { tracker }))
      .catch((e: unknown) => e);
    expect(rootCause(err)).toBeInstanceOf(Boom);
    expect(c.calls).toHaveLength(0);
  });

  it('fails clearly when the tracker flow or the committer is missing from the stream', async () => {
    const c = new RecordingCommittable();
    const lonelyTracker = Committer.track(c);
    const e1 = await Source.single(at('a', 1))
      .asSourceWithContext((o) => o)
      .via(lonelyTracker.flow<Offset>())
      .runWith(Sink.ignore())
      .catch((e: unknown) => e);
    expect((rootCause(e1) as Error).message).toBe(
      'Committer.track: no Committer.sink/flow with this tracker ({ tracker }) is part of this stream',
    );

    const lonelyCommitter = Committer.track(c);
    const e2 = await Source.single(at('a', 1)).runWith(Committer.sink(c, { tracker: lonelyCommitter })).catch((e: unknown) => e);
    expect((rootCause(e2) as Error).message).toBe("Committer: the tracker's flow (tracker.flow()) is not part of this stream");
  });

  it('serves one running stream at a time, and can be run again after it ended', async () => {
    const c = new RecordingCommittable();
    const tracker: CommitTracker<Offset> = Committer.track(c);
    const graph = TestSource.probe<Offset>()
      .asSourceWithContext((o) => o)
      .via(tracker.flow<Offset>())
      .asSource()
      .map(([, o]) => o)
      .toMat(Committer.sink(c, { tracker }), Keep.both);
    const [src, done] = graph.run();
    expect(() => graph.run()).toThrow('Committer.track: this tracker is used by a running stream (its tracker.flow() is running)');
    src.sendNext(at('a', 1)).sendComplete();
    await done;
    const [again, doneAgain] = graph.run();
    again.sendNext(at('a', 2)).sendComplete();
    await doneAgain;
    expect(c.committed).toEqual([[at('a', 1)], [at('a', 2)]]);
  });

  it('validates maxDeferred and the committable', () => {
    const c = new RecordingCommittable();
    expect(() => Committer.track(c, { maxDeferred: 0 })).toThrow('Committer.track: maxDeferred must be a positive integer, got 0');
    expect(() => Committer.track({} as never)).toThrow('Committer.track: committable.partitionOf must be a function, got undefined');
  });

  it('cancels the source when the stream fails downstream of the tracker', async () => {
    const { src, ack, done } = tracked(1);
    src.sendNext(at('a', 1));
    ack(at('a', 1), at('x', 1));
    await done.catch(() => undefined);
    src.expectCancellation();
  });
});
