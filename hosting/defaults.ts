/**
 * The one place the host core reaches the observability implementations (logging, metrics, tracing, Kubernetes
 * status): builds each factory's options from the stream identity, applies the program's `configure`, and
 * provides the stand-ins used when a program adds no metrics or tracing.
 */
import type { HostLogger, HostMetrics, StreamStatusReporter } from './contracts';
import {
  createDatadogLogger,
  createDogStatsdMetrics,
  createKubernetesStatusReporter,
  initTracing,
  type DatadogLoggerOptions,
  type DatadogTracer,
  type DogStatsdMetricsOptions,
  type StreamIdentity,
  type TracingOptions,
} from './observability';

/** The stream identity and the prefix of the application's variables, shared by every factory. */
export type HostIdentity = StreamIdentity & { readonly envPrefix: string };

/** Adjusts a factory's options before it is called: return new options, or change nothing and return nothing. */
export type ConfigureOptions<O> = (options: O) => O | void;

function configured<O>(options: O, configure: ConfigureOptions<O> | undefined): O {
  return configure ? (configure(options) ?? options) : options;
}

/** The host logger (the program may adjust it with `addDatadogLogging(configure)`). */
export function createHostLogger(identity: HostIdentity, configure?: ConfigureOptions<DatadogLoggerOptions>): HostLogger {
  return createDatadogLogger(configured<DatadogLoggerOptions>(identity, configure));
}

export function createHostMetrics(identity: HostIdentity, configure?: ConfigureOptions<DogStatsdMetricsOptions>): HostMetrics {
  return createDogStatsdMetrics(configured<DogStatsdMetricsOptions>(identity, configure));
}

export function createHostTracer(identity: HostIdentity, configure?: ConfigureOptions<TracingOptions>): DatadogTracer {
  return initTracing(configured<TracingOptions>(identity, configure));
}

export function createStatusReporter(identity: HostIdentity, logger: HostLogger): StreamStatusReporter {
  return createKubernetesStatusReporter({ ...identity, logger });
}

/** Metrics that go nowhere (the program did not add metrics). */
export const noopMetrics: HostMetrics = {
  increment: () => undefined,
  gauge: () => undefined,
  histogram: () => undefined,
  stageObserver: () => ({}),
  close: async () => undefined,
};

/** A tracer that only runs the function (the program did not add tracing). */
export const noopTracer: DatadogTracer = { enabled: false, trace: (_name, _tags, fn) => fn(), flush: async () => undefined };
