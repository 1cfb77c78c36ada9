/**
 * Who is logging, tracing and measuring: the application and the stream. Logs, spans and metrics share these
 * values (Datadog unified service tagging: `service`, `env`, `version`). Loads nothing heavy: the tracing preload
 * imports it before dd-trace instruments other modules.
 */

/** Environment variables as read by the observability factories (default `process.env`). */
export type Env = Readonly<Record<string, string | undefined>>;

/** The application and stream identity every observability factory accepts. */
export interface StreamIdentity {
  /** The application name: log `Application`, default Datadog `service` (overridden by `DD_SERVICE`). */
  readonly application: string;
  /** Log `ApplicationVersion`; default `APPLICATION_VERSION`, then `DD_VERSION`, then `v0.0.0`. */
  readonly applicationVersion?: string;
  /** Log `Environment`; default `DD_ENV`, then `NODE_ENV`, then `Local`. */
  readonly environment?: string;
  /** The stream id (`STREAMCONTEXT__STREAM_ID`); also the Kubernetes Job name. */
  readonly streamId?: string;
  /** The stream kind (`STREAMCONTEXT__STREAM_KIND`), e.g. `SqlServerChangeTracking`. */
  readonly streamKind?: string;
  /** Whether this run is a backfill: the `mode` tag is `backfill`, else `stream`. */
  readonly isBackfilling?: boolean;
  /** The backfill id (`STREAMCONTEXT__BACKFILL_ID`), tagged when backfilling. */
  readonly backfillId?: string;
  /** Environment variables to read; default `process.env`. */
  readonly env?: Env;
}

/** A `StreamIdentity` with every default applied. */
export interface ResolvedIdentity {
  readonly application: string;
  readonly applicationVersion: string;
  readonly environment: string;
  /** Datadog `service`: `DD_SERVICE` or the application name. */
  readonly service: string;
  /** Datadog `env`: `DD_ENV` or the environment. */
  readonly ddEnv: string;
  /** Datadog `version`: `DD_VERSION` or the application version. */
  readonly version: string;
  readonly streamId: string | undefined;
  readonly streamKind: string | undefined;
  readonly mode: 'backfill' | 'stream';
  readonly backfillId: string | undefined;
}

/** Applies the documented defaults to `identity`. */
export function resolveIdentity(identity: StreamIdentity): ResolvedIdentity {
  if (typeof identity.application !== 'string' || identity.application.trim() === '') {
    throw new TypeError(`observability: application must be a non-empty string, got ${String(identity.application)}`);
  }
  const env = identity.env ?? process.env;
  const environment = identity.environment ?? nonEmpty(env.DD_ENV) ?? nonEmpty(env.NODE_ENV) ?? 'Local';
  const applicationVersion =
    identity.applicationVersion ?? nonEmpty(env.APPLICATION_VERSION) ?? nonEmpty(env.DD_VERSION) ?? 'v0.0.0';
  const mode = identity.isBackfilling === true ? 'backfill' : 'stream';
  return {
    application: identity.application,
    applicationVersion,
    environment,
    service: nonEmpty(env.DD_SERVICE) ?? identity.application,
    ddEnv: nonEmpty(env.DD_ENV) ?? environment,
    version: nonEmpty(env.DD_VERSION) ?? applicationVersion,
    streamId: identity.streamId,
    streamKind: identity.streamKind,
    mode,
    backfillId: mode === 'backfill' ? identity.backfillId : undefined,
  };
}

/** The stream tags shared by spans and metrics: `stream_id`, `stream_kind`, `mode` and, in a backfill, `backfill_id`. */
export function streamTags(id: ResolvedIdentity): Record<string, string> {
  const tags: Record<string, string> = { mode: id.mode };
  if (id.streamId !== undefined) tags.stream_id = id.streamId;
  if (id.streamKind !== undefined) tags.stream_kind = id.streamKind;
  if (id.backfillId !== undefined) tags.backfill_id = id.backfillId;
  return tags;
}

/** `value` unless it is undefined or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
