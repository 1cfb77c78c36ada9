import { Subject } from 'rxjs';
import { Committer, DrainingControl, Keep, KillSwitches, rootCause, type KillSwitch } from 'tributary';
import { TestSource, type SourceProbe } from 'tributary/testing';
import { Boom, flush, offsets, RecordingCommittable, type Offset } from './helpers';

const at = offsets();

/** Publishing calls the test completes one by one. */
function publisher() {
  const calls = new Map<number, Subject<string>>();
  const publish = (n: number) => {
    const subject = new Subject<string>();
    calls.set(n, subject);
    return subject;
  };
  const complete = (n: number) => calls.get(n)!.next(`sent ${n}`);
  return { calls, publish, complete };
}

/** source probe → kill switch → asSourceWithContext → mapAsync(publish) → Committer.sinkWithContext, DrainingControl. */
function pipeline(committable: RecordingCommittable, publish: (n: number) => Subject<string>) {
  const [src, control] = TestSource.probe<number>()
    .viaMat(KillSwitches.single(), Keep.both)
    .asSourceWithContext((n) => at('p', n))
    .mapAsync(4, publish)
    .toMat(
      Committer.sinkWithContext(committable, { maxBatch: 100 }),
      ([probe, ks]: [SourceProbe<number>, KillSwitch], done) => [probe, DrainingControl.create(ks, done)] as const,
    )
    .run();
  let completed = false;
  control.streamCompletion.then(
    () => void (completed = true),
    () => undefined,
  );
  return { src, control, completed: () => completed };
}

describe('DrainingControl with a committer', () => {
  it('drainAndShutdown stops the source, lets in-flight elements reach the committer, commits them, then completes', async () => {
    const c = new RecordingCommittable(true);
    const { calls, publish, complete } = publisher();
    const { src, control, completed } = pipeline(c, publish);
    src.sendNext(1).sendNext(2).sendNext(3);
    expect([...calls.keys()]).toEqual([1, 2, 3]);
    expect(control.isStopRequested).toBe(false);

    const drained = control.drainAndShutdown();
    expect(control.isStopRequested).toBe(true);
    src.expectCancellation(); // the source is stopped at once…
    await flush();
    expect(c.calls).toHaveLength(0); // …while the three elements are still being published
    expect(completed()).toBe(false);

    complete(2);
    complete(1);
    await flush();
    expect(c.calls).toHaveLength(0); // 3 is still in flight: upstream of the committer has not completed
    complete(3);
    expect(c.calls.map((x) => x.offsets)).toEqual([[at('p', 3)]]); // everything acknowledged, in one commit
    await flush();
    expect(completed()).toBe(false); // the commit has not succeeded yet
    c.calls[0]!.resolve();
    await expect(drained).resolves.toBeUndefined();
    expect(completed()).toBe(true);
  });

  it('abort fails the stream without committing what is in flight', async () => {
    const c = new RecordingCommittable();
    const { publish, complete } = publisher();
    const { src, control } = pipeline(c, publish);
    src.sendNext(1);
    complete(1);
    src.sendNext(2);
    await control.abort(new Boom('shutdown now'));
    expect(control.isStopRequested).toBe(true);
    expect(rootCause(await control.streamCompletion.catch((e: unknown) => e))).toBeInstanceOf(Boom);
    expect(c.calls).toHaveLength(0);
    src.expectCancellation();
  });

  it('drains a tracked stream whose acknowledgements arrive out of order and commits everything acknowledged', async () => {
    const c = new RecordingCommittable();
    const tracker = Committer.track(c);
    const inFlight = new Map<Offset, Subject<Offset>>();
    const [src, control] = TestSource.probe<number>()
      .viaMat(KillSwitches.single(), Keep.both)
      .asSourceWithContext((n) => at(n % 2 ? 'odd' : 'even', n))
      .via(tracker.flow<number>().map((n) => n * 10))
      .asSource()
      .mapAsyncUnordered(8, ([, o]) => {
        const subject = new Subject<Offset>();
        inFlight.set(o, subject);
        return subject;
      })
      .toMat(
        Committer.sink(c, { tracker, maxBatch: 1_000 }),
        ([probe, ks]: [SourceProbe<number>, KillSwitch], done) => [probe, DrainingControl.create(ks, done)] as const,
      )
      .run();
    for (let n = 1; n <= 6; n++) src.sendNext(n);
    const drained = control.drainAndShutdown();
    src.expectCancellation();
    for (const n of [6, 3, 4, 1, 5, 2]) inFlight.get(at(n % 2 ? 'odd' : 'even', n))!.next(at(n % 2 ? 'odd' : 'even', n));
    await drained;
    expect(c.last).toEqual(
      new Map([
        ['even', at('even', 6)],
        ['odd', at('odd', 5)],
      ]),
    );
  });
});
