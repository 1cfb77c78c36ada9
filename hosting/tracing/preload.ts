/**
 * Starts dd-trace before the program loads anything it instruments:
 *
 *     node -r tributary/hosting/tracing-preload dist/program.js        (or --import)
 *
 * Reads the stream identity from the operator's variables (`STREAMCONTEXT__STREAM_ID`, `…__STREAM_KIND`,
 * `…__BACKFILL`, `…__BACKFILL_ID`) and the service from `DD_SERVICE` (else `npm_package_name`, else
 * `tributary`). Honours `DD_TRACE_ENABLED=false`. The host builder's later `initTracing` reuses this tracer.
 */
import { nonEmpty } from '../logging/stream-identity';
import { initTracing } from './init-tracing';

const env = process.env;
initTracing({
  application: nonEmpty(env.DD_SERVICE) ?? nonEmpty(env.npm_package_name) ?? 'tributary',
  streamId: nonEmpty(env.STREAMCONTEXT__STREAM_ID),
  streamKind: nonEmpty(env.STREAMCONTEXT__STREAM_KIND),
  isBackfilling: env.STREAMCONTEXT__BACKFILL?.trim().toLowerCase() === 'true',
  backfillId: nonEmpty(env.STREAMCONTEXT__BACKFILL_ID),
});
