import mssql from 'mssql';
import { CdcQueryError, CdcTransientError, isLoginError, isTransientSqlError, sqlErrorInfo } from './errors';
import type { SqlParamType, Statement } from './statements';

/** Where and how to connect: an `mssql` connection string or config object. */
export type CdcConnection = string | mssql.config;

/** The rows of one result set, as arrays in select-list order. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** Runs catalogue statements; the source's only way to the database. */
export interface StatementRunner {
  run(statement: Statement): Promise<QueryResult>;
}

/** Options of `SqlClient`. */
export interface SqlClientOptions {
  /** The database every statement runs in (overrides the connection's). */
  readonly database: string;
  /** Per-statement timeout (default 600 000 ms, as Debezium). */
  readonly requestTimeoutMs?: number;
  /** Connect timeout (default 15 000 ms). */
  readonly connectTimeoutMs?: number;
}

const TYPES: Record<SqlParamType, () => mssql.ISqlType> = {
  binary10: () => mssql.VarBinary(10),
  int: () => mssql.Int(),
  bigint: () => mssql.BigInt(),
  bit: () => mssql.Bit(),
  float: () => mssql.Float(),
  nvarchar: () => mssql.NVarChar(mssql.MAX),
  varbinary: () => mssql.VarBinary(mssql.MAX),
  uniqueidentifier: () => mssql.UniqueIdentifier(),
};

/** The config the source connects with: the caller's, with the database, timeouts and UTC handling pinned. */
export function clientConfig(connection: CdcConnection, options: SqlClientOptions): mssql.config {
  const base: mssql.config = typeof connection === 'string' ? mssql.ConnectionPool.parseConnectionString(connection) : { ...connection };
  return {
    ...base,
    database: options.database,
    requestTimeout: options.requestTimeoutMs ?? 600_000,
    connectionTimeout: options.connectTimeoutMs ?? base.connectionTimeout ?? 15_000,
    arrayRowMode: true,
    validateConnection: 'socket',
    pool: { min: 0, max: 2, idleTimeoutMillis: 30_000, ...base.pool },
    options: { appName: 'tributary-sql-server-cdc', ...base.options, useUTC: true },
  };
}

/**
 * A connection pool that runs catalogue statements (`sp_executesql` with typed parameters, rows as arrays) and
 * classifies failures: `CdcTransientError` when a retry may cure them (the pool is then rebuilt), `CdcQueryError`
 * otherwise; both name the statement. A closed pool reconnects on the next statement.
 *
 * @example
 * const client = new SqlClient(connectionString, { database: 'Sales' });
 * const { rows } = await client.run(Statements.maxLsn());
 * await client.close();
 */
export class SqlClient implements StatementRunner {
  private readonly config: mssql.config;
  private pool: Promise<mssql.ConnectionPool> | undefined;
  private closed = false;
  /** Whether a login ever succeeded (a later login failure may be a failover; a first one is configuration). */
  private everConnected = false;

  constructor(connection: CdcConnection, options: SqlClientOptions) {
    this.config = clientConfig(connection, options);
  }

  /** The server host the connection points at. */
  get server(): string {
    return this.config.server;
  }

  /** Runs `statement` and returns its first result set. */
  async run(statement: Statement): Promise<QueryResult> {
    if (this.closed) throw new CdcQueryError(statement.name, `statement '${statement.name}' after the SQL client was closed`);
    let pool: mssql.ConnectionPool;
    try {
      pool = await this.connect();
    } catch (e) {
      throw this.classify(statement.name, e, true);
    }
    const request = pool.request();
    request.arrayRowMode = true;
    for (const p of statement.params) request.input(p.name, TYPES[p.type](), p.value);
    try {
      const result = await request.query(statement.sql);
      const columns = ((result as unknown as { columns?: { name: string }[][] }).columns?.[0] ?? []).map((c) => c.name);
      return { columns, rows: (result.recordset ?? []) as unknown as unknown[][] };
    } catch (e) {
      throw this.classify(statement.name, e, false);
    }
  }

  /** Drops the pool (after a connection failure); the next statement connects again. */
  async reset(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.then((p) => p.close()).catch(() => undefined);
  }

  /** Closes the pool for good. */
  async close(): Promise<void> {
    this.closed = true;
    await this.reset();
  }

  private connect(): Promise<mssql.ConnectionPool> {
    if (!this.pool) {
      const pool = new mssql.ConnectionPool(this.config);
      // An 'error' event without a listener would crash the process; failures surface through requests.
      pool.on('error', () => undefined);
      const connecting = pool.connect().then((p) => {
        this.everConnected = true;
        return p;
      });
      connecting.catch(() => {
        if (this.pool === connecting) this.pool = undefined;
      });
      this.pool = connecting;
    }
    return this.pool;
  }

  private classify(name: string, error: unknown, connecting: boolean): Error {
    const { number, code, message } = sqlErrorInfo(error);
    const where = `${this.config.server}${this.config.port ? `:${this.config.port}` : ''}/${this.config.database}`;
    const detail = `${number !== undefined ? `SQL Server error ${number}` : code ?? 'error'}: ${message}`;
    if (isLoginError(error)) {
      if (!this.everConnected) {
        return new CdcQueryError(name, `cannot log in to ${where} (${detail}): check the user, password and database in the connection`, { cause: error });
      }
      void this.reset();
      return new CdcTransientError(name, `login to ${where} failed during a reconnect (${detail})`, { cause: error });
    }
    if (connecting || isTransientSqlError(error)) {
      if (connecting || code !== 'EREQUEST') void this.reset();
      return new CdcTransientError(name, `statement '${name}' on ${where} failed (${detail}); retrying`, { cause: error });
    }
    return new CdcQueryError(name, `statement '${name}' on ${where} failed (${detail})`, { cause: error });
  }
}
