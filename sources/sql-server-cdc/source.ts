import { SourceWithContext } from '../../src/context/source-with-context';
import { Source } from '../../src/dsl/source';
import type { Committable } from '../../src/context/committable';
import { CdcCheckpointer } from './checkpoint';
import { checkCdcConnection, discoverCdc, type CdcConnectionCheck, type CdcDiscovery } from './discovery';
import { resolveOptions, type ResolvedCdcOptions, type SqlServerCdcOptions } from './options';
import { CdcSourceStage, type CdcControl } from './source-stage';
import type { CdcOffset, ChangeEvent } from './types';

/**
 * Streams the changes of one SQL Server database from change data capture: exact, resumable positions per
 * capture instance, committed only after the sink acknowledged them (wire `committable` into
 * `Committer.sinkWithContext`), a snapshot first when asked, schema changes followed across capture instances,
 * and CDC cleanup passing the checkpoint detected instead of skipped. At-least-once; effectively-once with
 * de-duplication on `event.id` downstream (e.g. Service Bus duplicate detection on `messageId`).
 *
 * Materialize it once per run (build it inside `withLease`), and commit only offsets it emitted.
 *
 * @example
 * const store = new BlobCheckpointStore<CdcCheckpoint>({ container, prefix: 'checkpoints/' });
 * const key = cdcCheckpointKey('sql-1', 'Sales');
 * const control = await withLease(store.lease(key), () => {
 *   const cdc = SqlServerCdcSource.create({
 *     connection: ctx.secret('SQL_CONNECTION'), database: 'Sales', server: 'sql-1',
 *     tables: ['dbo.Orders', 'dbo.Customers'], startFrom: 'initial', checkpoints: store,
 *   });
 *   return cdc
 *     .mapAsync(8, (event) => publish(event, { messageId: event.id }))
 *     .toMat(Committer.sinkWithContext(cdc.committable, { maxBatch: 500, maxIntervalMs: 1000 }), DrainingControl.create);
 * });
 */
export class SqlServerCdcSource extends SourceWithContext<ChangeEvent, CdcOffset, CdcControl> {
  /** The `Committable` to hand to `Committer.sinkWithContext` / `Committer.sink`: stores offsets in the checkpoint. */
  readonly committable: Committable<CdcOffset>;

  private constructor(
    private readonly options: ResolvedCdcOptions,
    checkpointer: CdcCheckpointer,
  ) {
    super(Source.fromGraph(new CdcSourceStage(options, checkpointer)));
    this.committable = checkpointer;
  }

  /**
   * Validates the options (errors name the field) and returns the source. Nothing connects until it runs.
   * @example SqlServerCdcSource.create({ connection, database: 'Sales', tables: ['dbo.Orders'], checkpoints: new FileCheckpointStore({ directory: './state' }) })
   */
  static create(options: SqlServerCdcOptions): SqlServerCdcSource {
    const resolved = resolveOptions(options);
    return new SqlServerCdcSource(resolved, new CdcCheckpointer(resolved.checkpoints, { instanceId: resolved.instanceId }));
  }

  /**
   * Connects once and checks what the source needs (CDC on the database and the named tables, readable capture
   * instances); throws `CdcNotEnabledError` with the `sys.sp_cdc_enable_db` / `sys.sp_cdc_enable_table` command
   * to run. For readiness probes and deploy checks.
   * @example const check = await cdc.checkConnection(); // { server, database, maxLsn, captureInstances }
   */
  checkConnection(): Promise<CdcConnectionCheck> {
    return checkCdcConnection(this.options.connection, this.options.database, this.options.filter);
  }

  /**
   * Lists tables, capture instances (columns, keys, validity interval) and CDC job settings.
   * @example for (const t of (await cdc.discover()).tables) console.log(t.table, t.trackedByCdc, t.captureInstances.map((ci) => ci.name));
   */
  discover(): Promise<CdcDiscovery> {
    return discoverCdc(this.options.connection, this.options.database, this.options.filter);
  }
}
