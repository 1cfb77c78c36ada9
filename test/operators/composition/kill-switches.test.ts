import { Flow, Keep, KillSwitches, Sink, Source, StageFailure } from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';

function single() {
  const [[up, killSwitch], sink] = TestSource.probe<number>()
    .viaMat(KillSwitches.single<number>(), Keep.both)
    .toMat(TestSink.probe<number>(), Keep.both)
    .run();
  return { up, killSwitch, sink };
}

describe('KillSwitches.single', () => {
  it('passes elements through with backpressure', () => {
    const { up, sink } = single();
    up.expectNoRequest();
    sink.request(1);
    up.expectRequest().sendNext(1);
    sink.expectNext(1);
    up.expectNoRequest();
  });

  it('shutdown completes downstream and cancels upstream', () => {
    const { up, killSwitch, sink } = single();
    sink.request(1);
    up.sendNext(1);
    sink.expectNext(1);
    killSwitch.shutdown();
    sink.expectComplete();
    up.expectCancellation();
  });

  it('abort fails downstream with a StageFailure of the switch and cancels upstream', () => {
    const { up, killSwitch, sink } = single();
    const reason = new Error('tenant removed');
    killSwitch.abort(reason);
    const failure = sink.expectFailure() as StageFailure;
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure.stage).toBe('killSwitch');
    expect(failure.cause).toBe(reason);
    expect(up.expectCancellation()).toBe(failure);
  });

  it('the first call wins', () => {
    const { killSwitch, sink } = single();
    killSwitch.shutdown();
    killSwitch.abort(new Error('late'));
    killSwitch.shutdown();
    sink.expectComplete().expectNoMessage();
  });

  it('works from outside the stream (promise callbacks, timers)', async () => {
    const [killSwitch, done] = Source.never<number>()
      .viaMat(KillSwitches.single(), Keep.right)
      .toMat(Sink.seq(), Keep.both)
      .run();
    void Promise.resolve().then(() => killSwitch.shutdown());
    expect(await done).toEqual([]);
    const [ks2, done2] = Source.repeat(1)
      .viaMat(KillSwitches.single(), Keep.right)
      .toMat(Sink.ignore(), Keep.both)
      .run();
    void Promise.resolve().then(() => ks2.abort(new Error('stop'))); // runs while the endless source yields
    await expect(done2).rejects.toMatchObject({ stage: 'killSwitch', cause: new Error('stop') });
  });

  it('passes upstream completion and failure on; downstream cancel cancels upstream', () => {
    const a = single();
    a.up.sendComplete();
    a.sink.expectComplete();
    const b = single();
    b.up.sendError(new Error('up'));
    expect((b.sink.expectError() as Error).message).toBe('up');
    const c = single();
    c.sink.cancel();
    c.up.expectCancellation();
    c.killSwitch.shutdown(); // after the stream stopped: nothing happens
  });

  it('gives every materialization its own switch', () => {
    const graph = TestSource.probe<number>().viaMat(KillSwitches.single<number>(), Keep.both).toMat(TestSink.probe<number>(), Keep.both);
    const [[, ks1], sink1] = graph.run();
    const [, sink2] = graph.run();
    ks1.shutdown();
    sink1.expectComplete();
    sink2.expectNoMessage();
  });
});

describe('KillSwitches.shared', () => {
  it('shutdown stops every stream it is placed in', () => {
    const kill = KillSwitches.shared('ingest');
    const [up1, sink1] = TestSource.probe<number>().via(kill.flow<number>()).toMat(TestSink.probe<number>(), Keep.both).run();
    const [up2, sink2] = TestSource.probe<string>().via(kill.flow<string>()).toMat(TestSink.probe<string>(), Keep.both).run();
    sink1.request(1);
    up1.sendNext(1);
    sink1.expectNext(1);
    kill.shutdown();
    sink1.expectComplete();
    sink2.expectComplete();
    up1.expectCancellation();
    up2.expectCancellation();
  });

  it('abort fails every stream, and streams materialized later stop at once', () => {
    const kill = KillSwitches.shared('tenant-42');
    const flow: Flow<number, number, unknown> = kill.flow<number>();
    const [up1, sink1] = TestSource.probe<number>().via(flow).toMat(TestSink.probe<number>(), Keep.both).run();
    const reason = new Error('tenant removed');
    kill.abort(reason);
    const failure = sink1.expectFailure() as StageFailure;
    expect(failure.stage).toBe('killSwitch(tenant-42)');
    expect(failure.cause).toBe(reason);
    up1.expectCancellation();
    const [up2, sink2] = TestSource.probe<number>().via(flow).toMat(TestSink.probe<number>(), Keep.both).run();
    expect(sink2.expectError()).toBe(reason);
    up2.expectCancellation();
  });

  it('materializes the switch itself and ignores streams that already stopped', async () => {
    const kill = KillSwitches.shared('s');
    const mat = Source.from([1, 2]).viaMat(kill.flow<number>(), Keep.right).to(Sink.ignore()).run();
    expect(mat).toBe(kill);
    expect(kill.name).toBe('s');
    expect(await Source.from([1, 2]).via(kill.flow<number>()).runWith(Sink.seq())).toEqual([1, 2]);
    kill.shutdown();
    await expect(Source.repeat(1).via(kill.flow<number>()).runWith(Sink.seq())).resolves.toEqual([]);
  });

  it('validates the name', () => {
    expect(() => KillSwitches.shared('')).toThrow(/KillSwitches.shared: name must be a non-empty string, got ""/);
    expect(() => KillSwitches.shared(undefined as never)).toThrow(/got undefined/);
  });
});
