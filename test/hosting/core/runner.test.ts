import { DrainingControl, Keep, KillSwitches, Sink, Source, Materializer } from 'tributary';
import {
  ConfigurationError,
  createStreamRunner,
  defaultExceptionHandlers,
  resolveExitCode,
  streamControl,
  TransientStreamError,
  type HostLifetime,
  type StreamOutcome,
} from 'tributary/hosting';
import { recordingLogger } from '../fixtures/recording-logger';

const { logger, logged } = recordingLogger();
beforeEach(() => (logged.length = 0));

const endless = () => Source.repeat(1).viaMat(KillSwitches.single(), Keep.right);

describe('streamControl', () => {
  it('accepts a DrainingControl, a [KillSwitch, Promise] pair, { killSwitch, completion } and a Promise', async () => {
    const draining = streamControl(endless().toMat(Sink.ignore(), DrainingControl.create).run());
    draining.drain!();
    await expect(draining.completion).resolves.toBeUndefined();

    const [killSwitch, completion] = endless().toMat(Sink.ignore(), Keep.both).run();
    const pair = streamControl([killSwitch, completion]);
    pair.abort!(new Error('stop now'));
    await expect(pair.completion).rejects.toMatchObject({ cause: new Error('stop now') });

    const object = streamControl({ killSwitch: { shutdown: () => undefined, abort: () => undefined }, completion: Promise.resolve(7) });
    await expect(object.completion).resolves.toBe(7);

    const bare = streamControl(Source.single(1).runWith(Sink.ignore()));
    expect(bare.drain).toBeUndefined();
    expect(bare.abort).toBeUndefined();
    await expect(bare.completion).resolves.toBeUndefined();
  });

  it('rejects anything else with a ConfigurationError that says what to do', () => {
    for (const mat of [undefined, 42, [1, 2], { killSwitch: {} }]) expect(() => streamControl(mat)).toThrow(ConfigurationError);
    expect(() => streamControl(undefined)).toThrow(
      'the stream graph must materialize a DrainingControl, a [KillSwitch, Promise] pair or a completion Promise; got undefined (use .toMat(sink, DrainingControl.create) or Keep.both)',
    );
  });
});

describe('createStreamRunner', () => {
  const runner = () => createStreamRunner({ materializer: new Materializer(), logger });

  it('drains right after materializing when stopped before the graph ran', async () => {
    const r = runner();
    r.stop();
    await expect(r.run(endless().toMat(Sink.ignore(), Keep.both))).resolves.toEqual({ failed: false });
  });

  it('reports a failed stream and a graph with an unusable materialized value', async () => {
    const failing = Source.failed(new TransientStreamError('reset')).toMat(Sink.ignore(), Keep.right);
    const outcome = await runner().run(failing);
    expect(outcome).toMatchObject({ failed: true, error: { name: 'StageFailure', cause: new TransientStreamError('reset') } });
    const unusable = await runner().run(Source.single(1).to(Sink.ignore()) as never);
    expect(outcome.failed && unusable.failed && unusable.error).toBeInstanceOf(ConfigurationError);
  });

  it('warns that a graph without a kill switch cannot drain', () => {
    const r = runner();
    void r.run(Source.never().toMat(Sink.ignore(), Keep.right));
    r.stop();
    expect(logged).toEqual(['the stream graph has no kill switch or DrainingControl: waiting for it to end by itself']);
  });
});

describe('resolveExitCode', () => {
  const lifetime = (state: { stop?: boolean; abort?: boolean }): HostLifetime =>
    ({ isStopRequested: state.stop ?? false, isAborted: state.abort ?? false, isInterrupted: state.stop ?? false }) as HostLifetime;
  const code = (outcome: StreamOutcome, state: { stop?: boolean; abort?: boolean }, isBackfilling = false) =>
    resolveExitCode({
      outcome,
      lifetime: lifetime(state),
      isBackfilling,
      handlers: defaultExceptionHandlers,
      handlerContext: { streamId: 's', logger, statusReporter: () => ({ reportSchemaMismatch: async () => undefined }) },
    });
  const ok: StreamOutcome = { failed: false };

  it('follows the operator contract', async () => {
    expect(await code(ok, {})).toBe(0);
    expect(await code(ok, {}, true)).toBe(0); // a backfill that finished
    expect(await code(ok, { stop: true })).toBe(0); // SIGTERM while streaming
    expect(await code(ok, { stop: true }, true)).toBe(2); // SIGTERM during a backfill
    expect(await code(ok, { stop: true, abort: true })).toBe(2); // drain cut short
    expect(await code({ failed: true, error: new TransientStreamError('t') }, {})).toBe(2);
    expect(await code({ failed: true, error: new Error('?') }, {})).toBe(1);
    expect(logged).toContain('the stream failed with an unhandled error; exit 1');
    expect(await code({ failed: true, error: new ConfigurationError('STREAMCONTEXT__BACKFILL is missing') }, {})).toBe(1);
    expect(logged[logged.length - 1]).toBe('STREAMCONTEXT__BACKFILL is missing');
  });
});
