/**
 * Log correlation: once `initTracing` has started dd-trace, every log line written inside a span gets
 * `dd.trace_id` and `dd.span_id` (plus `dd.service/env/version`). The logger asks this module, so it works
 * whatever order winston and dd-trace were loaded in, and costs nothing when tracing is off.
 */

/** Adds the active span's ids to a log record (dd-trace's `tracer.inject(span, 'log', record)`). */
export type TraceLogInjector = (record: Record<string, unknown>) => void;

let injector: TraceLogInjector | undefined;

/** Installs (or, with `undefined`, removes) the injector; called by `initTracing`. */
export function setTraceLogInjector(next: TraceLogInjector | undefined): void {
  injector = next;
}

/** Adds trace ids to `record` when tracing is on and a span is active; never throws. */
export function injectTraceContext(record: Record<string, unknown>): void {
  if (injector === undefined) return;
  try {
    injector(record);
  } catch {
    // Correlation is best effort: a tracer problem must not lose the log line.
  }
}
