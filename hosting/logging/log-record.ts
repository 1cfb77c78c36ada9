/** The JSON object of one log line, with Datadog's standard attributes. */
import { injectTraceContext } from '../tracing/trace-context';
import type { HostLogLevel } from './log-settings';
import { redactSecrets, renderError, sanitize } from './redact';
import type { ResolvedIdentity } from './stream-identity';

/** One log line as written to stdout and shipped to the intake. */
export type LogRecord = Record<string, unknown>;

/** A field that sets `logger.name` for the line instead of becoming an attribute. */
const LOGGER_NAME_FIELD = 'logger.name';

/**
 * The attributes on every line: Datadog's `service`, `env`, `version`, the Arcane-compatible `Application`,
 * `Environment`, `ApplicationVersion`, `streamId`, `streamKind` (and `backfillId` in a backfill), then the custom
 * properties (which may add to but not replace the former).
 */
export function baseAttributes(id: ResolvedIdentity, properties: Readonly<Record<string, unknown>>): LogRecord {
  const base: LogRecord = {
    ...(sanitize(properties) as LogRecord),
    service: id.service,
    env: id.ddEnv,
    version: id.version,
    Application: id.application,
    Environment: id.environment,
    ApplicationVersion: id.applicationVersion,
  };
  if (id.streamId !== undefined) base.streamId = id.streamId;
  if (id.streamKind !== undefined) base.streamKind = id.streamKind;
  if (id.backfillId !== undefined) base.backfillId = id.backfillId;
  return base;
}

/**
 * Builds a line: `timestamp`, `status`, `message`, `logger.name`, the base attributes, the (redacted) fields,
 * `error.kind/message/stack` when an error is given, and `dd.trace_id/span_id` inside a span. Nested objects
 * (`logger: { name }`, `error: { … }`, `dd: { … }`) are how Datadog reads dotted attribute paths from JSON.
 */
export function buildRecord(
  level: HostLogLevel,
  message: string,
  loggerName: string,
  base: LogRecord,
  fields: Readonly<Record<string, unknown>>,
  error?: unknown,
): LogRecord {
  const { [LOGGER_NAME_FIELD]: name, ...rest } = fields;
  const timestamp = new Date().toISOString();
  const logger = { name: typeof name === 'string' ? name : loggerName };
  const record: LogRecord = { timestamp, status: level, message: '', logger, ...base, ...(sanitize(rest) as LogRecord) };
  // Fields never replace the line's own attributes.
  Object.assign(record, { timestamp, status: level, message: redactSecrets(String(message)), logger });
  if (error !== undefined) record.error = renderError(error);
  injectTraceContext(record);
  return record;
}
