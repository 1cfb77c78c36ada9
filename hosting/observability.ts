/**
 * Observability for hosted streams: Datadog logging (winston), tracing (dd-trace), DogStatsD metrics and the
 * Kubernetes status reporter. They implement the seams in `./contracts`; the host builder calls them:
 *
 *     const identity = { application: 'orders-cdc', streamId, streamKind, isBackfilling, envPrefix: 'ORDERS_CDC' };
 *     const logger   = createDatadogLogger(identity);                       // addDatadogLogging(configure?)
 *     const tracer   = initTracing(identity);                               // tracing methods
 *     const metrics  = createDogStatsdMetrics(identity);                    // metrics methods
 *     const reporter = createKubernetesStatusReporter({ ...identity, logger });
 *     graph.run(new Materializer({ observer: metrics.stageObserver() }));   // per-stage buffer gauges
 *     // on shutdown: await metrics.close(); await tracer.flush(); await logger.flush();
 *
 * Every factory takes `env` (default `process.env`) so tests can inject variables; the logger also takes
 * `output` (default `process.stdout`). Factories throw on invalid configuration, naming the variable; after
 * that, logging and metrics never throw into the stream. dd-trace must start before instrumented modules load:
 * use `node -r tributary/hosting/tracing-preload` (see `tracing/preload.ts`). Documented in docs/hosting.md.
 */
export { createDatadogLogger, type DatadogLogger, type DatadogLoggerOptions } from './logging/datadog-logger';
export type { HttpIntakeSettings, HttpIntakeStats } from './logging/http-intake';
export type { HostLogLevel } from './logging/log-settings';
export type { Env, StreamIdentity } from './logging/stream-identity';
export { initTracing, type DatadogTracer, type TracingOptions } from './tracing/init-tracing';
export { createDogStatsdMetrics, type DogStatsdMetrics, type DogStatsdMetricsOptions } from './metrics/dogstatsd-metrics';
export type { DogStatsdClientSettings, DogStatsdClientStats } from './metrics/dogstatsd-client';
export { MetricNames } from './metrics/metric-names';
export { createKubernetesStatusReporter, type KubernetesStatusReporterOptions } from './kubernetes/status-reporter';
