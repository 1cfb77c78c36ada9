/**
 * Tracing with dd-trace. dd-trace instruments modules (http, mssql, @azure/*) as they are loaded, so it must
 * start before them: run the program with `node -r tributary/hosting/tracing-preload program.js` (or
 * `--import`), or make `initTracing(…)` the first thing the entry file does. Calling `initTracing` again later (the
 * host builder does) reuses the running tracer. dd-trace is a process-wide singleton: the first initialisation's
 * service/env/version/tags apply to automatic spans; spans made with `trace(…)` carry this call's service and tags.
 *
 * Off when `DD_TRACE_ENABLED` is `false`/`0` (dd-trace is then not even loaded). With no agent listening,
 * dd-trace drops the spans silently: it never crashes or blocks the process.
 */
import type { HostTracer } from '../contracts';
import { nonEmpty, resolveIdentity, streamTags, type StreamIdentity } from '../logging/stream-identity';
import { setTraceLogInjector } from './trace-context';

type DdTracer = typeof import('dd-trace');

/** Options of `initTracing`. */
export interface TracingOptions extends StreamIdentity {
  /** Default: on, unless `DD_TRACE_ENABLED` is `false` or `0`. */
  readonly enabled?: boolean;
  /** The trace agent; default `DD_TRACE_AGENT_URL`, else dd-trace's default (`DD_AGENT_HOST`:8126). */
  readonly agentUrl?: string;
  /** Tags on every span besides `stream_id`, `stream_kind`, `mode` (and `backfill_id`). */
  readonly tags?: Readonly<Record<string, string>>;
  /** More dd-trace options (sampling, plugins…), applied when this call is the one that starts dd-trace. */
  readonly tracerOptions?: import('dd-trace').TracerOptions;
}

/** The `HostTracer` `initTracing` returns. */
export interface DatadogTracer extends HostTracer {
  /** Whether spans are recorded (false when tracing is off). */
  readonly enabled: boolean;
  /** Sends finished spans to the agent now (dd-trace otherwise sends every 2 s and before a natural exit). */
  flush(): Promise<void>;
}

/**
 * Starts dd-trace (once per process) with log injection on, and returns a tracer whose spans carry the
 * stream's tags. Log lines written inside `trace(…)` get `dd.trace_id` / `dd.span_id`.
 *
 * @example
 * const tracer = initTracing({ application: 'orders-cdc', streamId: 'orders', streamKind: 'SqlServerCdc' });
 * const rows = await tracer.trace('source.poll', { 'resource.name': 'dbo.orders' }, () => pollChanges());
 */
export function initTracing(options: TracingOptions): DatadogTracer {
  const id = resolveIdentity(options);
  const env = options.env ?? process.env;
  const enabled = options.enabled ?? !/^(false|0)$/i.test(env.DD_TRACE_ENABLED?.trim() ?? '');
  if (!enabled) return { enabled, trace: (_name, _tags, fn) => fn(), flush: () => Promise.resolve() };

  const baseTags = { ...streamTags(id), ...options.tags };
  const tracer = require('dd-trace') as DdTracer;
  const url = options.agentUrl ?? nonEmpty(env.DD_TRACE_AGENT_URL);
  tracer.init({
    service: id.service,
    env: id.ddEnv,
    version: id.version,
    logInjection: true,
    tags: baseTags,
    ...(url === undefined ? {} : { url }),
    ...options.tracerOptions,
  });
  setTraceLogInjector((record) => {
    const span = tracer.scope().active();
    if (span !== null) tracer.inject(span, 'log', record);
  });
  return {
    enabled,
    trace: (name, tags, fn) => tracer.trace(name, { service: id.service, tags: { ...baseTags, ...tags } }, async () => fn()),
    flush: () => flushTracer(tracer),
  };
}

/**
 * Flushes dd-trace's exporter, waiting at most 2 s (an unreachable agent must not hold up the exit). The
 * exporter is not public API: if it is missing there is nothing to wait for.
 */
function flushTracer(tracer: DdTracer): Promise<void> {
  type Internals = { _tracer?: { _exporter?: { flush?: (done: () => void) => void } } };
  const exporter = (tracer as unknown as Internals)._tracer?._exporter;
  const flush = exporter?.flush?.bind(exporter);
  if (flush === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    setTimeout(resolve, 2000).unref();
    try {
      flush(() => resolve());
    } catch {
      resolve();
    }
  });
}
