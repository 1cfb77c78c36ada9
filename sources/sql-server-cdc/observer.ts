import type { HostLogger, HostMetrics } from '../../hosting/contracts';
import { MetricNames } from '../../hosting/metrics/metric-names';
import type { WindowSummary } from './read-batch';
import type { CdcNotification, ChangeOp } from './types';

/** What one streaming iteration did (`WindowSummary` plus the LSN distance). */
export interface CdcIteration extends WindowSummary {
  /**
   * `max LSN − lowest read position` as a raw number: LSN arithmetic has no unit, so use it as a trend
   * (0 = caught up; growing = falling behind).
   */
  readonly lsnDistance: number;
}

/**
 * Observability hooks of the SQL Server CDC source; every one is optional. `hostCdcObserver` maps them to the
 * host's logger and DogStatsD metrics.
 *
 * @example
 * SqlServerCdcSource.create({ ..., observer: { onNotification: (n) => console.warn(n.kind, n) } });
 */
export interface CdcObserver {
  /** Events emitted for one table and op (called per page). */
  onEvents?(table: string, op: ChangeOp, count: number): void;
  /** A streaming iteration (window) ended. */
  onIteration?(iteration: CdcIteration): void;
  /** Source lag: now − commit time of the last emitted change, in ms. */
  onLag?(lagMs: number): void;
  /** Schema changes, dropped instances, capture stalls, snapshots, data-loss re-snapshots. */
  onNotification?(notification: CdcNotification): void;
  /** A transient failure; the source retries after `delayMs` from its in-memory position. */
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
  /** Debug detail (one line per iteration). */
  debug?(message: string, fields: Readonly<Record<string, unknown>>): void;
}

/** Metric names of the CDC source, relative to the host's prefix. */
export const CdcMetricNames = {
  /** Counter (tags `table`, `op`): events emitted. */
  events: 'cdc.events',
  /** Histogram: iteration duration in ms. */
  iterationMs: 'cdc.iteration.duration_ms',
  /** Gauge: raw LSN distance between the max LSN and the lowest read position. */
  lsnDistance: 'cdc.max_lsn.distance',
  /** Counter (tag `kind`): notifications. */
  notifications: 'cdc.notifications',
  /** Counter: transient failures retried. */
  retries: 'cdc.retries',
} as const;

/**
 * Connects the source's hooks to the host: events also count as `rows.incoming`, lag feeds the `lag` gauge,
 * iterations are logged at debug, notifications at info (warn for stalls and drops), retries at warn.
 *
 * @example
 * .addStreamGraphBuilder((ctx, services) => SqlServerCdcSource.create({ ..., observer: hostCdcObserver(services.get('logger'), services.get('metrics')) }) …)
 */
export function hostCdcObserver(logger: HostLogger, metrics: HostMetrics): CdcObserver {
  const log = logger.child({ source: 'sql-server-cdc' });
  return {
    onEvents(table, op, count) {
      metrics.increment(CdcMetricNames.events, count, { table, op });
      metrics.increment(MetricNames.rowsIncoming, count, { table });
    },
    onIteration(it) {
      metrics.histogram(CdcMetricNames.iterationMs, it.durationMs);
      metrics.gauge(CdcMetricNames.lsnDistance, it.lsnDistance);
      log.debug('cdc iteration', { rows: it.rows, to: it.to, maxLsn: it.maxLsn, capped: it.capped, durationMs: it.durationMs });
    },
    onLag(lagMs) {
      metrics.gauge(MetricNames.lag, lagMs);
    },
    onNotification(n) {
      metrics.increment(CdcMetricNames.notifications, 1, { kind: n.kind });
      const warn = n.kind === 'capture-stalled' || n.kind === 'instance-dropped' || n.kind === 'data-loss-resnapshot';
      (warn ? log.warn : log.info).call(log, `cdc ${n.kind}`, { ...n });
    },
    onRetry(error, attempt, delayMs) {
      metrics.increment(CdcMetricNames.retries, 1);
      log.warn('cdc transient failure, retrying', { attempt, delayMs, error: error instanceof Error ? error.message : String(error) });
    },
    debug(message, fields) {
      log.debug(message, fields);
    },
  };
}
