import { InMemoryCheckpointStore } from 'tributary';
import {
  CdcMetricNames,
  CdcNotEnabledError,
  hostCdcObserver,
  SqlServerCdcSource,
  type CdcCheckpoint,
} from 'tributary/sources/sql-server-cdc';
import type { HostLogger, HostMetrics } from 'tributary/hosting';
import { FakeSender, ordersTable, runCdc, startEnv, type CdcEnv, eventually } from './harness';

const store = new InMemoryCheckpointStore<CdcCheckpoint>();

describe('SQL Server CDC source: operations', () => {
  let env: CdcEnv;
  afterEach(() => env?.stop());

  const source = (tables: readonly string[] = ['dbo.Orders']) =>
    SqlServerCdcSource.create({ connection: env.connection, database: 'Sales', tables, checkpoints: store });

  it('checkConnection() verifies CDC and the named tables; discover() lists tables, instances and job settings', async () => {
    env = await startEnv((sim) => {
      ordersTable(sim);
      sim.createTable('dbo.Audit', [{ name: 'id', type: 'int' }], ['id']);
    });
    await expect(source().checkConnection()).resolves.toMatchObject({ server: 'SIMULATED-SQL', database: 'Sales', captureInstances: ['dbo_Orders'] });
    await expect(source(['dbo.Orders', 'dbo.Audit']).checkConnection()).rejects.toThrow(
      /not enabled on table dbo\.Audit .* EXEC sys\.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'Audit'/,
    );
    const found = await source().discover();
    expect(found.tables).toEqual([
      { table: 'dbo.Audit', trackedByCdc: false, selected: false, captureInstances: [] },
      {
        table: 'dbo.Orders',
        trackedByCdc: true,
        selected: true,
        captureInstances: [
          expect.objectContaining({
            name: 'dbo_Orders',
            keyColumns: ['id'],
            columns: [
              { name: 'id', type: 'int', ordinal: 1 },
              { name: 'customer', type: 'nvarchar', ordinal: 2 },
              { name: 'total', type: 'decimal', ordinal: 3 },
            ],
          }),
        ],
      },
    ]);
    expect(found.jobs).toEqual(expect.arrayContaining([expect.objectContaining({ jobType: 'cleanup', retentionMinutes: 4320 })]));
    expect(found.maxLsn).toMatch(/^[0-9a-f]{20}$/);
    env.sim.disableDatabase();
    const error = await source().discover().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdcNotEnabledError);
    expect((error as Error).message).toBe("change data capture is not enabled on database 'Sales'. To enable it, run: USE [Sales]; EXEC sys.sp_cdc_enable_db;");
  });

  it('hostCdcObserver feeds the host’s metrics and logs', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    const metrics: string[] = [];
    const logs: string[] = [];
    const host: HostMetrics = {
      increment: (name, value, tags) => void metrics.push(`+${name}=${value}${tags ? JSON.stringify(tags) : ''}`),
      gauge: (name) => void metrics.push(`=${name}`),
      histogram: (name) => void metrics.push(`~${name}`),
      stageObserver: () => ({}) as never,
      close: async () => undefined,
    };
    const logger: HostLogger = {
      debug: (m) => void logs.push(`debug ${m}`),
      info: (m) => void logs.push(`info ${m}`),
      warn: (m) => void logs.push(`warn ${m}`),
      error: (m) => void logs.push(`error ${m}`),
      child: () => logger,
      flush: async () => undefined,
    };
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now', observer: hostCdcObserver(logger, host) } });
    await run.cdc.started;
    env.sim.insert('dbo.Orders', [{ id: 1 }, { id: 2 }]);
    await eventually(() => expect(sender.delivered).toHaveLength(2));
    await run.control.drainAndShutdown();
    expect(metrics).toContain(`+${CdcMetricNames.events}=2{"table":"dbo.Orders","op":"c"}`);
    expect(metrics).toContain('+rows.incoming=2{"table":"dbo.Orders"}');
    expect(metrics).toContain('=lag');
    expect(metrics).toContain(`~${CdcMetricNames.iterationMs}`);
    expect(logs).toContain('debug cdc iteration');
    expect(run.cdc.stats()).toMatchObject({ emitted: 2, instances: { dbo_Orders: { table: 'dbo.Orders' } } });
  });

  it('validates its options with errors that name the field', () => {
    const base = { connection: 'Server=x;Database=y', database: 'Sales', tables: ['dbo.Orders'], checkpoints: store };
    expect(() => SqlServerCdcSource.create({ ...base, tables: [] })).toThrow(/tables must name at least one table/);
    expect(() => SqlServerCdcSource.create({ ...base, database: '' })).toThrow(/database must be a non-empty string/);
    expect(() => SqlServerCdcSource.create({ ...base, pageSize: 0 })).toThrow(/pageSize must be a positive integer, got 0/);
    expect(() => SqlServerCdcSource.create({ ...base, startFrom: 'yesterday' as never })).toThrow(/startFrom must be one of 'initial', 'now', 'retained', got "yesterday"/);
    expect(() => SqlServerCdcSource.create({ ...base, pollIntervalMs: 100, maxPollIntervalMs: 50 })).toThrow('SqlServerCdcSource.create: maxPollIntervalMs (50) must be >= pollIntervalMs (100)');
    expect(() => SqlServerCdcSource.create({ ...base, checkpoints: {} as never })).toThrow(/checkpoints must be a CheckpointStore/);
  });
});
