/**
 * The opt-in tier's access to a real SQL Server (TRIBUTARY_TEST_MSSQL): DDL and DML through mssql, CDC enabled
 * per test table, and waits for the capture job (which runs asynchronously, every second with
 * deploy/sql/enable-cdc.sql).
 */
import { randomBytes } from 'node:crypto';
import mssql from 'mssql';
import { InMemoryCheckpointStore } from 'tributary';
import type { CdcCheckpoint } from 'tributary/sources/sql-server-cdc';
import type { PipelineEnv } from './harness';

/** The connection string of the opt-in tier, or undefined (then its tests are skipped). */
export const REAL_CONNECTION = process.env['TRIBUTARY_TEST_MSSQL'];

/** A real database for one test: unique tables, CDC on them, and the helpers the acceptance tests need. */
export class RealDatabase implements PipelineEnv {
  readonly store = new InMemoryCheckpointStore<CdcCheckpoint>();
  readonly database: string;
  private readonly tables: string[] = [];
  private readonly instances: string[] = [];

  private constructor(
    readonly connection: string,
    private readonly pool: mssql.ConnectionPool,
  ) {
    this.database = String((pool as unknown as { config: mssql.config }).config.database);
  }

  static async open(connection: string): Promise<RealDatabase> {
    const pool = await new mssql.ConnectionPool(connection).connect();
    return new RealDatabase(connection, pool);
  }

  /** A unique table name for this test (`dbo.t_<hex>`). */
  name(prefix = 't'): string {
    return `dbo.${prefix}_${randomBytes(4).toString('hex')}`;
  }

  /** Runs a batch (DDL/DML); values go in as parameters `@p0…`. */
  async exec(sql: string, ...values: unknown[]): Promise<mssql.IResult<Record<string, unknown>>> {
    const request = this.pool.request();
    values.forEach((v, i) => request.input(`p${i}`, v));
    return request.query(sql);
  }

  /** CREATE TABLE with `columns` (T-SQL) and enables CDC on it; returns the capture instance. */
  async createCdcTable(table: string, columns: string, captureInstance?: string): Promise<string> {
    await this.exec(`CREATE TABLE ${table} (${columns})`);
    this.tables.push(table);
    return this.enable(table, captureInstance);
  }

  /** sys.sp_cdc_enable_table (a second instance for a schema change, too). */
  async enable(table: string, captureInstance = table.replace('.', '_')): Promise<string> {
    const [schema, name] = table.split('.') as [string, string];
    await this.exec(
      'EXEC sys.sp_cdc_enable_table @source_schema = @p0, @source_name = @p1, @role_name = NULL, @capture_instance = @p2, @supports_net_changes = 0',
      schema,
      name,
      captureInstance,
    );
    this.instances.push(captureInstance);
    return captureInstance;
  }

  /** sys.sp_cdc_disable_table for one capture instance. */
  async disable(table: string, captureInstance: string): Promise<void> {
    const [schema, name] = table.split('.') as [string, string];
    await this.exec('EXEC sys.sp_cdc_disable_table @source_schema = @p0, @source_name = @p1, @capture_instance = @p2', schema, name, captureInstance);
  }

  /** Waits until the capture job has processed everything committed before this call. */
  async waitForCapture(timeoutMs = 30_000): Promise<void> {
    const { recordset } = await this.exec('SELECT SYSDATETIME() AS now');
    const since = recordset[0]!['now'] as Date;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.exec('SELECT sys.fn_cdc_map_lsn_to_time(sys.fn_cdc_get_max_lsn()) AS t');
      const t = r.recordset[0]?.['t'] as Date | null;
      if (t !== null && t !== undefined && t >= since) return;
      if (Date.now() > deadline) throw new Error('the CDC capture job did not catch up: is the SQL Server Agent running?');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** The current max LSN as hex. */
  async maxLsn(): Promise<string> {
    const r = await this.exec('SELECT sys.fn_cdc_get_max_lsn() AS l');
    return (r.recordset[0]!['l'] as Buffer).toString('hex');
  }

  /** Drops the test's tables (and their capture instances). */
  async close(): Promise<void> {
    for (const table of this.tables) {
      const [schema, name] = table.split('.') as [string, string];
      await this.exec('IF EXISTS (SELECT 1 FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id WHERE s.name = @p0 AND t.name = @p1 AND t.is_tracked_by_cdc = 1) EXEC sys.sp_cdc_disable_table @source_schema = @p0, @source_name = @p1, @capture_instance = N\'all\'', schema, name).catch(() => undefined);
      await this.exec(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
    await this.pool.close();
  }
}
