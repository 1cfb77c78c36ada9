/**
 * `HostMetrics` over DogStatsD: counters, gauges and histograms named `<prefix>.<name>` and tagged with the
 * stream (`stream_id`, `stream_kind`, `mode:backfill|stream`, `backfill_id`), Datadog's `service`/`env`/`version`
 * and custom tags; plus a stage observer publishing every buffering stage's `buffered`/`inFlight`/`capacity`.
 */
import type { StageObserver } from 'tributary';
import { requirePositiveDuration } from '../../src/core/validate';
import type { HostMetrics, MetricTags } from '../contracts';
import { resolveIdentity, streamTags, type ResolvedIdentity, type StreamIdentity } from '../logging/stream-identity';
import {
  DogStatsdClient,
  resolveEndpoint,
  type DogStatsdClientSettings,
  type DogStatsdClientStats,
} from './dogstatsd-client';
import { MetricNames } from './metric-names';
import { StageGauges, type StageSample } from './stage-gauges';

/** Options of `createDogStatsdMetrics`. */
export interface DogStatsdMetricsOptions extends StreamIdentity, DogStatsdClientSettings {
  /** Prefix of every name; default `tributary.stream` (`arcane.stream` with `arcaneCompatible`). */
  readonly prefix?: string;
  /** Tags on every metric. */
  readonly tags?: MetricTags;
  /**
   * Also tag with Arcane's `arcane.sneaksanddata.com/{kind,mode,stream_id}` (kind in snake_case), and default the
   * prefix to `arcane.stream`, so dashboards built for Arcane streams keep working. Default false.
   */
  readonly arcaneCompatible?: boolean;
  /** `udp://host:port`; default `DD_DOGSTATSD_URL`, else `DD_AGENT_HOST`:`DD_DOGSTATSD_PORT` (127.0.0.1:8125). */
  readonly url?: string;
  /** How often the stage observer samples the stages. Default 10 000 ms. */
  readonly stageSampleIntervalMs?: number;
}

/** The `HostMetrics` `createDogStatsdMetrics` returns, with the client's counters. */
export interface DogStatsdMetrics extends HostMetrics {
  stats(): DogStatsdClientStats;
}

/**
 * Creates the DogStatsD metrics client. Throws (naming the variable) for an unsupported `DD_DOGSTATSD_URL`
 * (`unix://`: Node.js has no Unix datagram sockets) or a bad port; after that no method throws.
 *
 * @example
 * const metrics = createDogStatsdMetrics({ application: 'orders-cdc', streamId: 'orders', streamKind: 'SqlServerCdc' });
 * metrics.increment(MetricNames.rowsIncoming, rows.length, { table: 'dbo.orders' });
 * graph.run(new Materializer({ observer: metrics.stageObserver() }));
 */
export function createDogStatsdMetrics(options: DogStatsdMetricsOptions): DogStatsdMetrics {
  const id = resolveIdentity(options);
  const op = 'createDogStatsdMetrics';
  const interval = requirePositiveDuration(op, 'stageSampleIntervalMs', options.stageSampleIntervalMs ?? 10_000);
  const prefix = sanitizeName(options.prefix ?? (options.arcaneCompatible === true ? 'arcane.stream' : 'tributary.stream'));
  const globalTags = renderTags({ ...defaultTags(id, options.arcaneCompatible === true), ...options.tags });
  const client = new DogStatsdClient(resolveEndpoint(options.env ?? process.env, options.url), options);

  const emit = (name: string, value: number, type: 'c' | 'g' | 'h', tags?: MetricTags): void => {
    try {
      if (!Number.isFinite(value)) return;
      const extra = tags === undefined ? '' : renderTags(tags);
      const allTags = [globalTags, extra].filter((t) => t !== '').join(',');
      client.send(`${prefix}.${sanitizeName(name)}:${value}|${type}${allTags === '' ? '' : `|#${allTags}`}`);
    } catch {
      // Metrics never fail the stream.
    }
  };
  const gauges = new StageGauges((s: StageSample) => {
    const tags = { stage: s.name, stage_path: s.path };
    emit(MetricNames.stageBuffered, s.buffered, 'g', tags);
    emit(MetricNames.stageInFlight, s.inFlight, 'g', tags);
    emit(MetricNames.stageCapacity, s.capacity, 'g', tags);
  }, interval);

  return {
    increment: (name, value = 1, tags) => emit(name, value, 'c', tags),
    gauge: (name, value, tags) => emit(name, value, 'g', tags),
    histogram: (name, value, tags) => emit(name, value, 'h', tags),
    stageObserver: (): StageObserver => gauges,
    stats: () => client.stats(),
    close: async () => {
      gauges.close();
      await client.close();
    },
  };
}

function defaultTags(id: ResolvedIdentity, arcane: boolean): Record<string, string> {
  const tags: Record<string, string> = { service: id.service, env: id.ddEnv, version: id.version, ...streamTags(id) };
  if (arcane) {
    const ns = 'arcane.sneaksanddata.com';
    tags[`${ns}/mode`] = id.mode;
    if (id.streamKind !== undefined) tags[`${ns}/kind`] = snakeCase(id.streamKind);
    if (id.streamId !== undefined) tags[`${ns}/stream_id`] = id.streamId;
  }
  return tags;
}

/** `key:value,…` with the DogStatsD separators (`|`, `,`, `#`, whitespace) in keys and values replaced by `_`. */
function renderTags(tags: MetricTags): string {
  return Object.entries(tags)
    .map(([k, v]) => `${sanitizeTag(k)}:${sanitizeTag(String(v))}`)
    .join(',');
}

function sanitizeTag(text: string): string {
  return text.replace(/[|,#\s]/g, '_');
}

function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, '_');
}

function snakeCase(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}
