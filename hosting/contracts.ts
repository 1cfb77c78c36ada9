/**
 * The seams between the parts of `tributary/hosting`: the builder and runner (host core) use these interfaces;
 * logging, tracing, metrics and Kubernetes status reporting (observability) implement them. Each is replaceable.
 */
import type { StageObserver } from 'tributary';

/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The host's logger: JSON lines for Datadog in containers, readable lines on a terminal. */
export interface HostLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  /** Logs an error; `error` is rendered as Datadog's `error.kind/message/stack` (secrets redacted). */
  error(message: string, error?: unknown, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): HostLogger;
  /** Flushes buffered output (stdout and any HTTP intake); called before the process exits. */
  flush(): Promise<void>;
}

/** Tags sent with every metric. */
export type MetricTags = Readonly<Record<string, string>>;

/** Metrics over DogStatsD. Names follow the contract in the hosting docs (prefix + name). */
export interface HostMetrics {
  increment(name: string, value?: number, tags?: MetricTags): void;
  gauge(name: string, value: number, tags?: MetricTags): void;
  histogram(name: string, value: number, tags?: MetricTags): void;
  /** A stage observer that publishes every buffering stage's `buffered`/`inFlight` as gauges. */
  stageObserver(): StageObserver;
  /** Flushes and closes the client. */
  close(): Promise<void>;
}

/** Tracing (dd-trace): spans around source polls and sink flushes. */
export interface HostTracer {
  /** Runs `fn` inside a span named `name` with `tags`; the span ends when the returned promise settles. */
  trace<T>(name: string, tags: Readonly<Record<string, string | number>>, fn: () => Promise<T>): Promise<T>;
  /** Sends finished spans now; call before `process.exit` (which skips dd-trace's own flush at a natural exit). */
  flush?(): Promise<void>;
}

/** Tells the Kubernetes operator about the stream's state (Job annotations). */
export interface StreamStatusReporter {
  /** Annotates the stream's Job with `arcane/state: schema-mismatch` so the operator restarts it in backfill mode. */
  reportSchemaMismatch(streamId: string): Promise<void>;
}

/** Whether the host asked the stream to stop (SIGTERM/SIGINT or programmatic stop). */
export interface InterruptionToken {
  readonly isInterrupted: boolean;
}
