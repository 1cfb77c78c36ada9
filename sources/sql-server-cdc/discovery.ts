import { InstanceDescriber, listCaptureInstances, type DescribedInstance } from './capture-instances';
import { SqlClient, type CdcConnection } from './client';
import { CdcNotEnabledError, CdcQueryError } from './errors';
import { requireReadable } from './instance-set';
import { lsnFromBuffer, type Lsn } from './lsn';
import { Statements } from './statements';
import type { TableFilter } from './table-selection';

/** A capture instance as `discover()` reports it. */
export interface DiscoveredInstance {
  readonly name: string;
  readonly startLsn: Lsn;
  readonly minLsn: Lsn;
  readonly createDate: string;
  readonly indexName: string | null;
  readonly columns: readonly { readonly name: string; readonly type: string; readonly ordinal: number }[];
  readonly keyColumns: readonly string[];
}

/** A user table as `discover()` reports it. */
export interface DiscoveredTable {
  /** `schema.table`. */
  readonly table: string;
  readonly trackedByCdc: boolean;
  /** Whether the source's `tables` option selects it. */
  readonly selected: boolean;
  /** Its capture instances (at most two), oldest first. */
  readonly captureInstances: readonly DiscoveredInstance[];
}

/** The CDC capture and cleanup job settings (`msdb.dbo.cdc_jobs`). */
export interface DiscoveredJob {
  readonly jobType: string;
  readonly maxTransactions: number | null;
  readonly maxScans: number | null;
  readonly continuous: boolean | null;
  readonly pollingIntervalSeconds: number | null;
  /** Cleanup retention in minutes (default 4 320 = 3 days). */
  readonly retentionMinutes: number | null;
  readonly threshold: number | null;
}

/** What `discover()` found. */
export interface CdcDiscovery {
  readonly server: string;
  readonly database: string;
  readonly productVersion: string;
  readonly cdcEnabled: boolean;
  /** `sys.fn_cdc_get_max_lsn()`; `null` before the capture job first ran. */
  readonly maxLsn: Lsn | null;
  readonly tables: readonly DiscoveredTable[];
  /** The job settings, or why they could not be read (they need access to msdb). */
  readonly jobs: readonly DiscoveredJob[] | { readonly unavailable: string };
}

/** What `checkConnection()` verified. */
export interface CdcConnectionCheck {
  readonly server: string;
  readonly database: string;
  readonly productVersion: string;
  readonly maxLsn: Lsn | null;
  /** The capture instances the source would read. */
  readonly captureInstances: readonly string[];
}

const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Runs `f` with a short-lived client. */
async function withClient<T>(connection: CdcConnection, database: string, f: (client: SqlClient) => Promise<T>): Promise<T> {
  const client = new SqlClient(connection, { database, requestTimeoutMs: 30_000 });
  try {
    return await f(client);
  } finally {
    await client.close();
  }
}

async function databaseInfo(client: SqlClient, database: string): Promise<{ server: string; productVersion: string; cdcEnabled: boolean }> {
  const [info] = (await client.run(Statements.databaseInfo())).rows;
  if (!info) throw new CdcQueryError('database-info', `database '${database}' is not visible to the login`);
  return { server: String(info[4] ?? client.server), productVersion: String(info[2] ?? ''), cdcEnabled: Number(info[1]) === 1 };
}

async function maxLsn(client: SqlClient): Promise<Lsn | null> {
  const [row] = (await client.run(Statements.maxLsn())).rows;
  return row?.[0] instanceof Uint8Array ? lsnFromBuffer(row[0]) : null;
}

const notEnabledDb = (database: string): CdcNotEnabledError =>
  new CdcNotEnabledError(`change data capture is not enabled on database '${database}'`, `USE [${database}]; EXEC sys.sp_cdc_enable_db;`);

/**
 * Lists the database's tables, their capture instances (columns, keys, validity interval) and the CDC job
 * settings, for operators and tooling. Throws `CdcNotEnabledError` when CDC is off on the database.
 */
export async function discoverCdc(connection: CdcConnection, database: string, filter: TableFilter): Promise<CdcDiscovery> {
  return withClient(connection, database, async (client) => {
    const info = await databaseInfo(client, database);
    if (!info.cdcEnabled) throw notEnabledDb(database);
    const instances = await new InstanceDescriber(client).describe(await listCaptureInstances(client));
    const { rows } = await client.run(Statements.sourceTables());
    const byTable = new Map<string, DescribedInstance[]>();
    for (const ci of instances) byTable.set(ci.sourceTable, [...(byTable.get(ci.sourceTable) ?? []), ci]);
    const tables: DiscoveredTable[] = rows.map((r) => {
      const table = `${String(r[0])}.${String(r[1])}`;
      return {
        table,
        trackedByCdc: Number(r[2]) === 1,
        selected: filter.matches(table),
        captureInstances: (byTable.get(table) ?? []).map((ci) => ({
          name: ci.name,
          startLsn: ci.startLsn,
          minLsn: ci.minLsn,
          createDate: ci.createDate,
          indexName: ci.indexName,
          columns: ci.columns.map((c) => ({ name: c.name, type: c.type, ordinal: c.ordinal })),
          keyColumns: ci.keyColumns.map((k) => k.name),
        })),
      };
    });
    let jobs: CdcDiscovery['jobs'];
    try {
      jobs = (await client.run(Statements.cdcJobs())).rows.map((r) => ({
        jobType: String(r[0]),
        maxTransactions: nullableNumber(r[1]),
        maxScans: nullableNumber(r[2]),
        continuous: r[3] === null || r[3] === undefined ? null : Number(r[3]) === 1,
        pollingIntervalSeconds: nullableNumber(r[4]),
        retentionMinutes: nullableNumber(r[5]),
        threshold: nullableNumber(r[6]),
      }));
    } catch (e) {
      jobs = { unavailable: e instanceof Error ? e.message : String(e) };
    }
    return { server: info.server, database, productVersion: info.productVersion, cdcEnabled: true, maxLsn: await maxLsn(client), tables, jobs };
  });
}

/**
 * Connects and checks what the source needs: CDC enabled on the database and on every table named in the
 * options, and each selected capture instance readable by the login. Throws `CdcNotEnabledError` (with the
 * command to run), `CdcCaptureInstanceError` or `CdcQueryError`.
 */
export async function checkCdcConnection(connection: CdcConnection, database: string, filter: TableFilter): Promise<CdcConnectionCheck> {
  return withClient(connection, database, async (client) => {
    const info = await databaseInfo(client, database);
    if (!info.cdcEnabled) throw notEnabledDb(database);
    const instances = (await new InstanceDescriber(client).describe(await listCaptureInstances(client))).filter((ci) => filter.matches(ci.sourceTable));
    const tracked = new Set(instances.map((ci) => ci.sourceTable.toLowerCase()));
    const missing = filter.explicit.find((t) => !tracked.has(t.toLowerCase()));
    if (missing !== undefined) {
      const [schema, table] = [missing.slice(0, missing.indexOf('.')), missing.slice(missing.indexOf('.') + 1)];
      throw new CdcNotEnabledError(
        `change data capture is not enabled on table ${missing} in database '${database}' (or the table does not exist)`,
        `USE [${database}]; EXEC sys.sp_cdc_enable_table @source_schema = N'${schema}', @source_name = N'${table}', @role_name = NULL, @supports_net_changes = 0;`,
      );
    }
    for (const ci of instances) requireReadable(ci);
    return { server: info.server, database, productVersion: info.productVersion, maxLsn: await maxLsn(client), captureInstances: instances.map((ci) => ci.name) };
  });
}
