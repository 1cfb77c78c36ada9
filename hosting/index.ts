/**
 * `tributary/hosting`: run a stream as a Kubernetes Job the Arcane operator manages — stream context from
 * `STREAMCONTEXT__*`, services, graceful drain on SIGTERM, exit codes 0 / 1 / 2, health endpoints.
 * @packageDocumentation
 */
export { createHost, HostBuilder, type Host, type HostOptions, type HostParts, type BuiltInServices, type StreamGraphBuilder, type ConfigureServices } from './host-builder';
export { readStreamContext, envNames, type StreamContext, type StreamContextDefaults, type StreamContextSource } from './stream-context';
export { ServiceCollection, ServiceResolutionError, type ServiceProvider, type ServiceOptions, type ServiceFactory } from './services';
export { createSignalLifetime, DEFAULT_DRAIN_TIMEOUT_MS, type HostLifetime, type SignalLifetimeOptions } from './lifetime';
export {
  createStreamRunner,
  streamControl,
  resolveExitCode,
  type StreamRunner,
  type StreamRunnerOptions,
  type StreamControl,
  type StreamOutcome,
  type StreamMaterializedValue,
  type ExitCodeInputs,
} from './runner';
export {
  ExitCode,
  SchemaMismatchError,
  SchemaInconsistentError,
  TransientStreamError,
  FatalStreamError,
  ConfigurationError,
  StreamAbortedError,
  streamErrorKind,
  type StreamErrorKind,
} from './errors';
export {
  causeChain,
  classifyFailure,
  defaultExceptionHandlers,
  schemaMismatchHandler,
  errorKindHandler,
  type ExceptionHandler,
  type ExceptionHandlerContext,
  type ExceptionVerdict,
  type ClassifiedFailure,
} from './exception-handlers';
export { createProgressTracker, type ProgressTracker, type HealthCheckOptions } from './health';
export { applyMergePatch } from './merge-patch';
export { structuralSchemaFromZod, structuralViolations, type OpenApiSchema, type StructuralSchemaOptions } from './kubernetes/structural-schema';
export { streamCustomResourceDefinition, STREAM_STATUS_SCHEMA, type StreamCrdOptions, type PrinterColumn } from './kubernetes/stream-crd';
export type { ConfigureOptions, HostIdentity } from './defaults';
export type {
  HostLogger,
  HostMetrics,
  HostTracer,
  StreamStatusReporter,
  InterruptionToken,
  LogFields,
  MetricTags,
} from './contracts';
export * from './observability';
