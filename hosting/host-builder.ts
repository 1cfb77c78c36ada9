/**
 * `createHost()`: the builder a stream job's `program.ts` uses, and the host it builds. Running the host reads
 * and validates the stream context, creates the services, builds and runs the graph, drains it on SIGTERM, maps
 * how it ended to the operator's exit code, disposes everything and flushes the logs.
 */
import type { z } from 'zod';
import { Materializer, rootCause, type RunnableGraph, type StageObserver } from 'tributary';
import type { HostLogger, HostMetrics, HostTracer, StreamStatusReporter } from './contracts';
import {
  createHostLogger,
  createHostMetrics,
  createHostTracer,
  createStatusReporter,
  noopMetrics,
  noopTracer,
  type ConfigureOptions,
  type HostIdentity,
} from './defaults';
import { ConfigurationError, ExitCode, type StreamAbortedError } from './errors';
import { defaultExceptionHandlers, type ExceptionHandler } from './exception-handlers';
import { createProgressTracker, healthCheckOptions, startHealthServer, type HealthCheckOptions, type HealthServer, type HostPhase, type ProgressTracker } from './health';
import { createSignalLifetime, DEFAULT_DRAIN_TIMEOUT_MS, type HostLifetime } from './lifetime';
import { defaultEnvPrefix } from './logging/log-settings';
import { MetricNames, type DatadogLoggerOptions, type DatadogTracer, type DogStatsdMetricsOptions, type TracingOptions } from './observability';
import { createStreamRunner, resolveExitCode, type StreamMaterializedValue, type StreamOutcome, type StreamRunner } from './runner';
import { ServiceCollection, type ServiceProvider } from './services';
import {
  peekStreamIdentity,
  readStreamContext,
  type StreamContext,
  type StreamContextDefaults,
  type StreamContextSource,
} from './stream-context';

/** Options of `createHost`. */
export interface HostOptions {
  /** The application name: log `Application` and default Datadog `service`, default stream id and kind. */
  readonly name: string;
  /** The application version; default `APPLICATION_VERSION`, then `DD_VERSION`, then `v0.0.0`. */
  readonly version?: string;
  /** Prefix of the application's own variables (`<PREFIX>__DEFAULT_LOG_LEVEL`…); default the name in upper case. */
  readonly envPrefix?: string;
  /** How long a graceful drain may take before the stream is aborted; default 25 000 ms. */
  readonly drainTimeoutMs?: number;
  /** Environment variables to read; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line arguments to read (`--spec`, `--backfill`; others are ignored); default `process.argv.slice(2)`. */
  readonly argv?: readonly string[];
}

/** The services every host registers; `configureServices` adds the program's own. */
export interface BuiltInServices {
  readonly logger: HostLogger;
  /** The lifetime, also the `InterruptionToken` stages check. */
  readonly lifetime: HostLifetime;
  /** DogStatsD metrics, or a no-op when `addDatadogMetrics` was not called. */
  readonly metrics: HostMetrics;
  /** dd-trace spans, or a pass-through when `addDatadogTracing` was not called. */
  readonly tracer: HostTracer;
  /** The heartbeat `/healthz` reads. */
  readonly progress: ProgressTracker;
}

/** Builds the stream graph from the context and the services (may be async, e.g. to read a schema first). */
export type StreamGraphBuilder<Spec, Svc> = (
  ctx: StreamContext<Spec>,
  services: ServiceProvider<Svc>,
) => RunnableGraph<StreamMaterializedValue> | Promise<RunnableGraph<StreamMaterializedValue>>;

/** Adds the program's services. Return the collection (chained registrations) to keep them typed. */
export type ConfigureServices<Spec, Svc, Svc2> = (services: ServiceCollection<Svc>, ctx: StreamContext<Spec>) => ServiceCollection<Svc2>;

/** What the replaceable parts (`useLifetime`, `useRunner`, `useStatusReporter`) are created with. */
export interface HostParts {
  readonly logger: HostLogger;
  readonly drainTimeoutMs: number;
}

/** A built host. */
export interface Host {
  /** Runs the stream to its end and returns the exit code (does not exit). */
  run(): Promise<number>;
  /** Runs the stream, flushes the logs and exits the process with the exit code. */
  runAndExit(): Promise<never>;
}

/** After an abort, how long the host still waits for each step (stream end, disposal, log flush). */
const ABORT_GRACE_MS = 1_000;
/** How long the final log flush may take otherwise (the Datadog intake gives up after 10 s itself). */
const FLUSH_TIMEOUT_MS = 10_000;

interface HostSettings {
  readonly options: HostOptions;
  logging?: ConfigureOptions<DatadogLoggerOptions>;
  metrics?: { readonly configure?: ConfigureOptions<DogStatsdMetricsOptions> };
  tracing?: { readonly configure?: ConfigureOptions<TracingOptions> };
  schema?: z.ZodType;
  defaults?: StreamContextDefaults;
  readonly configureServices: ConfigureServices<any, any, any>[];
  graphBuilder?: StreamGraphBuilder<any, any>;
  readonly handlers: ExceptionHandler[];
  health?: HealthCheckOptions;
  lifetime?: (parts: HostParts) => HostLifetime;
  runner?: (parts: HostParts & { readonly materializer: Materializer; readonly lifetime: HostLifetime }) => StreamRunner;
  statusReporter?: (parts: HostParts & { readonly streamId: string }) => StreamStatusReporter;
}

/**
 * Configures a stream job's host. Every method returns the builder; `build()` returns the host.
 *
 * @example
 * const Spec = z.object({ tables: z.array(z.string()).min(1), batchSize: z.number().int().positive().default(500) });
 * await createHost({ name: 'orders-cdc' })
 *   .addDatadogLogging()
 *   .addStreamContext(Spec)
 *   .configureServices((services, ctx) => services.singleton('pool', () => createPool(ctx.secret('SQL_CONNECTION'))))
 *   .addStreamGraphBuilder((ctx, services) => buildGraph(ctx, services.get('pool')))
 *   .addExceptionHandler((err) => (err instanceof MyTransientError ? { exitCode: 2 } : undefined))
 *   .build()
 *   .runAndExit();
 */
export class HostBuilder<Spec = unknown, Svc = BuiltInServices> {
  /** @internal use `createHost` */
  constructor(private readonly settings: HostSettings) {}

  /**
   * Logs JSON lines for Datadog on stdout (a readable format on a terminal), enriched with the stream's identity,
   * and ships them to the Datadog intake when `DD_API_KEY` is set. The host always logs this way; `configure`
   * adjusts the logger's options (level, properties, format, output, transports).
   * @example host.addDatadogLogging((o) => ({ ...o, properties: { team: 'data' } }))
   */
  addDatadogLogging(configure?: ConfigureOptions<DatadogLoggerOptions>): this {
    this.settings.logging = configure;
    return this;
  }

  /** Sends metrics over DogStatsD, tagged with the stream's identity; without it `metrics` is a no-op. */
  addDatadogMetrics(configure?: ConfigureOptions<DogStatsdMetricsOptions>): this {
    this.settings.metrics = { configure };
    return this;
  }

  /**
   * Traces with dd-trace; without it `tracer` only runs the function. dd-trace instruments modules as they load:
   * preload it (`node -r tributary/hosting/tracing-preload`) to trace drivers too.
   */
  addDatadogTracing(configure?: ConfigureOptions<TracingOptions>): this {
    this.settings.tracing = { configure };
    return this;
  }

  /**
   * Reads the stream context with `schema` validating the spec (see `StreamContext`). `defaults` apply in a local
   * run (no `STREAMCONTEXT__` variable set), so the program runs with no environment at all.
   */
  addStreamContext<S extends z.ZodType>(schema: S, options?: { readonly defaults?: StreamContextDefaults<z.input<S>> }): HostBuilder<z.output<S>, Svc> {
    this.settings.schema = schema;
    this.settings.defaults = options?.defaults;
    return this as unknown as HostBuilder<z.output<S>, Svc>;
  }

  /** Registers the program's services (called once the context is read; may be called several times). */
  configureServices<Svc2>(configure: ConfigureServices<Spec, Svc, Svc2>): HostBuilder<Spec, Svc2>;
  configureServices(configure: (services: ServiceCollection<Svc>, ctx: StreamContext<Spec>) => void): HostBuilder<Spec, Svc>;
  configureServices(configure: (services: ServiceCollection<Svc>, ctx: StreamContext<Spec>) => unknown): HostBuilder<Spec, any> {
    this.settings.configureServices.push(configure as ConfigureServices<any, any, any>);
    return this;
  }

  /** Sets the function that builds the stream graph (see `StreamMaterializedValue` for what it may materialize). */
  addStreamGraphBuilder(builder: StreamGraphBuilder<Spec, Svc>): this {
    this.settings.graphBuilder = builder;
    return this;
  }

  /** Adds an exception handler; handlers run in the order added, before the built-in ones. */
  addExceptionHandler(handler: ExceptionHandler): this {
    if (typeof handler !== 'function') throw new TypeError(`addExceptionHandler: handler must be a function, got ${typeof handler}`);
    this.settings.handlers.push(handler);
    return this;
  }

  /** Serves `/healthz` and `/readyz` for Kubernetes probes (see `HealthCheckOptions`). */
  addHealthChecks(options: HealthCheckOptions): this {
    this.settings.health = healthCheckOptions(options);
    return this;
  }

  /** Replaces the signal-driven lifetime. */
  useLifetime(factory: (parts: HostParts) => HostLifetime): this {
    this.settings.lifetime = factory;
    return this;
  }

  /** Replaces the runner that materializes the graph. */
  useRunner(factory: (parts: HostParts & { readonly materializer: Materializer; readonly lifetime: HostLifetime }) => StreamRunner): this {
    this.settings.runner = factory;
    return this;
  }

  /** Replaces the Kubernetes status reporter (used when the stream fails with a `SchemaMismatchError`). */
  useStatusReporter(factory: (parts: HostParts & { readonly streamId: string }) => StreamStatusReporter): this {
    this.settings.statusReporter = factory;
    return this;
  }

  /** The host. Nothing runs until `run()` / `runAndExit()`. */
  build(): Host {
    return new StreamHost({ ...this.settings, configureServices: [...this.settings.configureServices], handlers: [...this.settings.handlers] });
  }
}

/** Starts configuring a stream job's host. */
export function createHost(options: HostOptions): HostBuilder {
  if (typeof options?.name !== 'string' || options.name.trim() === '') {
    throw new TypeError(`createHost: name must be a non-empty string, got ${String(options?.name)}`);
  }
  const drain = options.drainTimeoutMs;
  if (drain !== undefined && (!Number.isFinite(drain) || drain <= 0)) {
    throw new RangeError(`createHost: drainTimeoutMs must be a positive number of ms, got ${String(drain)}`);
  }
  return new HostBuilder({ options, configureServices: [], handlers: [] });
}

class StreamHost implements Host {
  private phase: HostPhase = 'starting';

  constructor(private readonly settings: HostSettings) {}

  async runAndExit(): Promise<never> {
    let code: number;
    try {
      code = await this.run();
    } catch (e) {
      process.stderr.write(`host failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      code = ExitCode.fatal;
    }
    process.exit(code);
  }

  async run(): Promise<number> {
    const { options } = this.settings;
    const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    const source: StreamContextSource<unknown> = {
      schema: this.settings.schema,
      defaults: this.settings.defaults,
      hostName: options.name,
      env: options.env ?? process.env,
      argv: options.argv ?? process.argv.slice(2),
    };
    const identity = peekStreamIdentity(source);
    const observability: HostIdentity = {
      application: options.name,
      applicationVersion: options.version,
      envPrefix: options.envPrefix ?? defaultEnvPrefix(options.name),
      env: source.env,
      ...identity,
    };
    let logger: HostLogger;
    try {
      logger = createHostLogger(observability, this.settings.logging);
    } catch (e) {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      return ExitCode.fatal;
    }
    const parts: HostParts = { logger, drainTimeoutMs };
    const lifetime = this.settings.lifetime?.(parts) ?? createSignalLifetime({ logger, drainTimeoutMs });
    lifetime.start();
    // From the stop request on, the host is stopping: `/readyz` answers 503 while the stream drains.
    lifetime.onStopRequested(() => void (this.phase = 'stopping'));
    const aborted = new Promise<StreamAbortedError>((resolve) => lifetime.onAbort(resolve));
    // Keeps the process alive until the run ends, whatever the stream waits on.
    const keepAlive = setInterval(() => undefined, 3_600_000);
    // An error thrown outside the stream still ends the process (Node's default, exit 1), but logged first.
    const uncaught = (error: unknown, origin: string): void => logger.error(`uncaught exception (${origin}); exit 1`, error);
    process.on('uncaughtExceptionMonitor', uncaught);

    const progress = createProgressTracker();
    const services = new ServiceCollection<BuiltInServices>();
    let metrics: HostMetrics = noopMetrics;
    let tracer: DatadogTracer = noopTracer;
    let health: HealthServer | undefined;
    let context: StreamContext | undefined;
    let statusReporter: StreamStatusReporter | undefined;

    const start = async (): Promise<StreamOutcome> => {
      try {
        if (this.settings.health) {
          health = await configuration('addHealthChecks', () => startHealthServer(this.settings.health!, progress, () => this.phase));
          logger.info(`health checks listening on port ${health.port}`, { port: health.port });
        }
        const ctx = readStreamContext(source);
        context = ctx;
        const { metrics: withMetrics, tracing } = this.settings;
        if (withMetrics) metrics = await configuration('addDatadogMetrics', () => createHostMetrics(observability, withMetrics.configure));
        if (tracing) tracer = await configuration('addDatadogTracing', () => createHostTracer(observability, tracing.configure));
        // The host creates and closes these itself, after everything else.
        let registry: ServiceCollection<any> = services
          .instance('logger', logger)
          .instance('lifetime', lifetime)
          .instance('metrics', metrics)
          .instance('tracer', tracer as HostTracer)
          .instance('progress', progress);
        for (const configure of this.settings.configureServices) registry = configure(registry, ctx) ?? registry;
        const builder = this.settings.graphBuilder;
        if (!builder) throw new ConfigurationError('no stream graph: call addStreamGraphBuilder((ctx, services) => graph) before build()');
        const graph = await builder(ctx, registry);
        if (lifetime.isStopRequested) {
          logger.info('stop requested before the stream started');
          return { failed: false };
        }
        const materializer = new Materializer({ observer: combineObservers(progress.stageObserver(), metrics.stageObserver()) });
        const runner = this.settings.runner?.({ ...parts, materializer, lifetime }) ?? createStreamRunner({ materializer, logger });
        lifetime.onStopRequested(() => runner.stop());
        lifetime.onAbort((reason) => runner.abort(reason));
        const running = runner.run(graph);
        if (!lifetime.isStopRequested) this.phase = 'running';
        logger.info('stream running', { mode: ctx.isBackfilling ? 'backfill' : 'stream' });
        return await running;
      } catch (error) {
        return { failed: true, error };
      }
    };

    const running = start();
    const outcome: StreamOutcome = await Promise.race([
      running,
      aborted.then(async (reason) => {
        await settleWithin(running, ABORT_GRACE_MS);
        return { failed: true, error: reason } as const;
      }),
    ]);
    this.phase = 'stopping';
    const exitCode = await resolveExitCode({
      outcome,
      lifetime,
      isBackfilling: context?.isBackfilling,
      handlers: [...this.settings.handlers, ...defaultExceptionHandlers],
      handlerContext: {
        streamId: context?.streamId,
        logger,
        statusReporter: () =>
          (statusReporter ??=
            this.settings.statusReporter?.({ ...parts, streamId: context?.streamId ?? identity.streamId }) ??
            createStatusReporter(observability, logger)),
      },
    });

    const disposal = services.dispose((name, e) => logger.error(`disposing service "${name}" failed`, e));
    await settleWithin(disposal, drainTimeoutMs, aborted);
    if (outcome.failed) metrics.increment(MetricNames.errors, 1, { error_kind: errorKind(outcome.error) });
    await settleWithin(Promise.all([metrics.close(), tracer.flush(), health?.close()]), drainTimeoutMs, aborted);
    logger.info(`exit code ${exitCode}`, { exitCode });
    lifetime.dispose();
    await settleWithin(logger.flush(), lifetime.isAborted ? ABORT_GRACE_MS : FLUSH_TIMEOUT_MS);
    clearInterval(keepAlive);
    process.off('uncaughtExceptionMonitor', uncaught);
    return exitCode;
  }
}

/** Runs `create`; an error becomes a one-line `ConfigurationError` (the factories name the bad variable). */
async function configuration<T>(what: string, create: () => T | Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (e) {
    throw new ConfigurationError(`${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Waits until `work` settles, at most `ms` (or the abort grace once `aborted` resolves). */
function settleWithin(work: Promise<unknown>, ms: number, aborted?: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    let settled = false;
    let timer = setTimeout(done, ms);
    function done(): void {
      settled = true;
      clearTimeout(timer);
      resolve();
    }
    work.then(done, done);
    void aborted?.then(() => {
      if (settled) return;
      clearTimeout(timer);
      timer = setTimeout(done, ABORT_GRACE_MS);
    });
  });
}

function errorKind(error: unknown): string {
  const root = rootCause(error);
  return root instanceof Error ? root.name : typeof root;
}

function combineObservers(...observers: StageObserver[]): StageObserver {
  return {
    stageStarted: (stage) => observers.forEach((o) => o.stageStarted?.(stage)),
    stageStopped: (stage) => observers.forEach((o) => o.stageStopped?.(stage)),
  };
}
