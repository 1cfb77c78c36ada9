import { get } from 'node:http';
import { PassThrough } from 'node:stream';
import { DrainingControl, Keep, KillSwitches, Sink, Source } from 'tributary';
import { createHost, createSignalLifetime, type HostBuilder, type HostLifetime } from 'tributary/hosting';
import { z } from 'zod';

/** A host whose log lines are captured (in-process: `run()` resolves with the exit code and does not exit). */
function captured(builder: HostBuilder<any, any>): { builder: HostBuilder<any, any>; messages: () => string[] } {
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  builder.addDatadogLogging((options) => ({ ...options, output, format: 'json' }));
  return {
    builder,
    messages: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { message: string }).message),
  };
}

describe('createHost', () => {
  it('validates its arguments when the program is put together', () => {
    expect(() => createHost({ name: '' })).toThrow('createHost: name must be a non-empty string, got ');
    expect(() => createHost({ name: 'x', drainTimeoutMs: 0 })).toThrow('createHost: drainTimeoutMs must be a positive number of ms, got 0');
    expect(() => createHost({ name: 'x' }).addHealthChecks({ port: 70_000 })).toThrow('addHealthChecks: port must be an integer 0..65535, got 70000');
    expect(() => createHost({ name: 'x' }).addHealthChecks({ port: 0, progressTimeoutMs: -1 })).toThrow(
      'addHealthChecks: progressTimeoutMs must be a positive number of ms, got -1',
    );
    expect(() => createHost({ name: 'x' }).addExceptionHandler(42 as never)).toThrow('addExceptionHandler: handler must be a function, got number');
  });

  it('runs in-process on an injected environment, with typed services, and returns the exit code', async () => {
    const seen: unknown[] = [];
    const { builder, messages } = captured(
      createHost({ name: 'in-process', env: { STREAMCONTEXT__SPEC: '{"n":3}', STREAMCONTEXT__BACKFILL: 'false' }, argv: [] })
        .addStreamContext(z.object({ n: z.number() }))
        .configureServices((services, ctx) => {
          services.singleton('unused', () => ctx.spec.n); // a block body: registrations are not typed, but allowed
        })
        .configureServices((services, ctx) => services.singleton('numbers', () => Array.from({ length: ctx.spec.n }, (_, i) => i)))
        .addStreamGraphBuilder((_ctx, services) =>
          Source.from(services.get('numbers'))
            .viaMat(KillSwitches.single(), Keep.right)
            .toMat(Sink.forEach((x) => void seen.push(x)), Keep.both),
        ),
    );
    expect(await builder.build().run()).toBe(0);
    expect(seen).toEqual([0, 1, 2]);
    expect(messages()).toEqual(['stream running', 'the stream completed', 'exit code 0']);
    expect(process.listenerCount('SIGTERM')).toBe(0); // the lifetime removed its handlers
  });

  it('/readyz answers 503 once a stop was requested, while the stream drains (regression: it stayed 200)', async () => {
    let lifetime!: HostLifetime;
    let drained!: () => void;
    const lastSent = new Promise<void>((resolve) => (drained = resolve));
    let running!: () => void;
    const started = new Promise<void>((resolve) => (running = resolve));
    const { builder, messages } = captured(
      createHost({ name: 'ready', env: { STREAMCONTEXT__SPEC: '{}', STREAMCONTEXT__BACKFILL: 'false' }, argv: [] })
        .addHealthChecks({ port: 0, host: '127.0.0.1' })
        .useLifetime((parts) => (lifetime = createSignalLifetime({ ...parts, signals: [] })))
        .addStreamGraphBuilder(() =>
          Source.repeat(1)
            .viaMat(KillSwitches.single(), Keep.right)
            .mapAsync(1, () => (running(), lastSent)) // the first element's send finishes only when the test says
            .toMat(Sink.ignore(), DrainingControl.create),
        ),
    );
    const exit = builder.build().run();
    await started;
    const port = Number(/port (\d+)/.exec(messages().find((m) => m.startsWith('health checks listening'))!)![1]);
    const readyz = (): Promise<number> =>
      new Promise((resolve, reject) => get({ host: '127.0.0.1', port, path: '/readyz' }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject));
    expect(await readyz()).toBe(200);
    lifetime.requestStop('test stop');
    expect(await readyz()).toBe(503); // draining: not ready for new work
    drained();
    expect(await exit).toBe(0);
  });

  it('fails start-up with one line when no graph builder was added', async () => {
    const { builder, messages } = captured(createHost({ name: 'no-graph', env: { STREAMCONTEXT__BACKFILL: 'true' }, argv: [] }));
    expect(await builder.build().run()).toBe(1);
    expect(messages()).toEqual(['no stream graph: call addStreamGraphBuilder((ctx, services) => graph) before build()', 'exit code 1']);
  });
});
