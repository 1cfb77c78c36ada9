/**
 * SQL Server CDC → Azure Service Bus: the production stream job (see README.md next to this file; spec in spec.ts).
 *
 * The change tables of one database → your transforms → Service Bus queues or topics (message id = change id, so
 * the entities' duplicate detection drops what a restart resends) → positions committed to a checkpoint blob, under
 * a lease on that blob: one replica streams, any other stands by until it stops. SIGTERM drains: what was read is
 * sent and checkpointed, then exit 0. A backfill (`STREAMCONTEXT__BACKFILL=true`) snapshots every table and exits 0
 * once the snapshot is sent and checkpointed (exit 2 when interrupted: it runs again and resumes its snapshot).
 *
 *   npm run build
 *   SQL_CONNECTION=… SERVICEBUS_CONNECTION=… STORAGE_CONNECTION=… STREAMCONTEXT__BACKFILL=false \
 *     STREAMCONTEXT__SPEC='{"database":"shop","tables":["dbo.orders"]}' node dist/examples/sqlserver-cdc-to-servicebus/program.js
 */
import { Committer, DrainingControl, FlowWithContext, Keep, leasedGraph } from 'tributary';
import { BlobCheckpointStore, blobContainer } from 'tributary/azure';
import { createHost } from 'tributary/hosting';
import { ServiceBusSink, type ServiceBusSinkSummary } from 'tributary/sinks/service-bus';
import {
  hostCdcObserver,
  SqlServerCdcSource,
  type CdcCheckpoint,
  type CdcControl,
  type CdcObserver,
  type CdcOffset,
  type ChangeEvent,
} from 'tributary/sources/sql-server-cdc';
import { changeEntity, changeMessage } from './messages';
import { SECRETS, SqlServerCdcStreamSpec } from './spec';

/** Your transformations go here (`map`, `filter`, `mapAsync`…; each change keeps its offset), e.g. `.filter((e) => e.op !== 'r')`. */
const transforms = FlowWithContext.create<ChangeEvent, CdcOffset>();

/** The checkpoint trails the sends by at most this much: what a crash makes the next owner send again. */
const COMMIT = { maxBatch: 1_000, maxIntervalMs: 1_000 };

void createHost({ name: 'sqlserver-cdc-to-servicebus' })
  .addDatadogLogging()
  .addDatadogMetrics()
  .addStreamContext(SqlServerCdcStreamSpec)
  .addStreamGraphBuilder((ctx, services) => {
    const { spec } = ctx;
    const [logger, metrics] = [services.get('logger'), services.get('metrics')];
    const [sql, serviceBus, storage] = [ctx.secret(SECRETS.sql), ctx.secret(SECRETS.serviceBus), ctx.secret(SECRETS.storage)];
    if (!spec.serviceBus.duplicateDetection.enabled) {
      logger.warn('duplicate detection is off: what was sent after the last checkpoint is sent again after a restart; consumers must be idempotent');
    }

    // One checkpoint document per stream; the lease on its blob makes one replica the owner (and fences its writes).
    const checkpoints = new BlobCheckpointStore<CdcCheckpoint>({
      container: blobContainer({ container: spec.checkpoint.container, connectionString: storage }),
      prefix: spec.checkpoint.blobPrefix,
      createContainer: true,
    });
    const lease = checkpoints.lease(ctx.streamId, { durationSeconds: spec.checkpoint.leaseDurationSeconds });
    logger.info(`acquiring the lease on ${lease.description}: standing by while another replica holds it`);

    return leasedGraph(lease, () => {
      logger.info('lease acquired: streaming', { database: spec.database, mode: ctx.isBackfilling ? 'backfill' : 'stream' });
      const observer = hostCdcObserver(logger, metrics);
      const backfill = ctx.isBackfilling ? endingWithSnapshot(ctx.backfillId, observer) : undefined;
      const cdc = SqlServerCdcSource.create({
        connection: sql,
        database: spec.database,
        tables: spec.tables,
        startFrom: spec.startFrom,
        ...spec.polling, // pollIntervalMs, maxPollIntervalMs, maxTransactionsPerIteration, pageSize
        checkpoints,
        checkpointKey: ctx.streamId,
        lease,
        backfill: ctx.isBackfilling ? { id: ctx.backfillId } : false,
        observer: backfill?.observer ?? observer,
      });
      const bus = ServiceBusSink.create<ChangeEvent>({
        connection: serviceBus,
        entity: changeEntity(spec.serviceBus.entity),
        toMessage: changeMessage(spec.serviceBus),
        maxBatchDelayMs: spec.batching.maxBatchDelayMs,
        maxInFlightBatches: spec.batching.maxInFlightBatches,
        metrics,
      });
      const report = (summary: ServiceBusSinkSummary): void =>
        logger.info(`sent ${summary.messages} changes in ${summary.batches} batches`, { entities: summary.entities, retries: summary.retries });

      return cdc
        .via(transforms)
        .viaMat(bus.flowWithContext<CdcOffset>(), Keep.both)
        .toMat(Committer.sinkWithContext(cdc.committable, COMMIT), ([source, sent], committed) => {
          backfill?.watch(source);
          return DrainingControl.create(source, Promise.all([sent, committed]).then(([summary]) => report(summary)));
        });
    });
  })
  .build()
  .runAndExit();

/**
 * A backfill ends with its snapshot: once the snapshot was read — or at once, when a restarted backfill finds its
 * snapshot already complete — the source stops, which drains what was read (sent, then checkpointed), and the
 * host exits 0 (the stream completed by itself).
 */
function endingWithSnapshot(backfillId: string | undefined, observer: CdcObserver): { observer: CdcObserver; watch(source: CdcControl): void } {
  let running: CdcControl | undefined;
  return {
    observer: {
      ...observer,
      onNotification(n) {
        observer.onNotification?.(n);
        if (n.kind === 'snapshot-completed') running?.shutdown();
      },
    },
    watch(source) {
      running = source;
      void source.started.then(({ checkpoint }) => {
        const snapshot = checkpoint?.snapshot;
        if (backfillId !== undefined && snapshot?.id === backfillId && snapshot.status === 'done') source.shutdown();
      }, () => undefined);
    },
  };
}
