/**
 * The handler-facing API of the TDS test server: what a request looks like, and what a handler answers.
 *
 * @example
 * const handler: SqlHandler = (req) =>
 *   req.sql === 'SELECT sys.fn_cdc_get_max_lsn() AS max_lsn'
 *     ? { resultSets: [{ columns: [{ name: 'max_lsn', type: 'binary', length: 10 }], rows: [[lsn]] }] }
 *     : { error: { number: 208, message: `Invalid object name in: ${req.sql}` } };
 */

/** The column types a result set may declare. */
export type ColumnTypeName =
  | 'int'
  | 'bigint'
  | 'smallint'
  | 'tinyint'
  | 'bit'
  | 'float'
  | 'real'
  | 'decimal'
  | 'numeric'
  | 'money'
  | 'smallmoney'
  | 'nvarchar'
  | 'varchar'
  | 'nchar'
  | 'char'
  | 'binary'
  | 'varbinary'
  | 'datetime'
  | 'smalldatetime'
  | 'datetime2'
  | 'datetimeoffset'
  | 'date'
  | 'time'
  | 'uniqueidentifier'
  | 'ntext'
  | 'varbinary(max)'
  | 'nvarchar(max)'
  | 'varchar(max)';

/**
 * One result-set column. Defaults: `length` 4000 for nvarchar (characters), 8000 for varchar/varbinary (bytes),
 * 1 for nchar/char/binary (as in T-SQL); `precision` 18 / `scale` 0 for decimal/numeric; `scale` 7 for
 * datetime2/time/datetimeoffset; `nullable` true. `length: 'max'` on nvarchar/varchar/varbinary is the same as the
 * `(max)` type names.
 *
 * Values a row may carry per type (null/undefined are NULL everywhere):
 * - int/smallint/tinyint: number; bigint: bigint | number | string (exact decimal digits)
 * - bit: boolean | 0 | 1; float/real: number
 * - decimal/numeric/money/smallmoney: string (exact, e.g. '-123.4500') | number | bigint
 * - character types: string (char/nchar are space-padded to `length`, as SQL Server does)
 * - binary types: Buffer / Uint8Array (binary(n) is zero-padded to n)
 * - datetime/smalldatetime/datetime2/date: Date (its UTC fields) or a naive ISO string 'YYYY-MM-DDTHH:MM:SS.fffffff'
 *   (strings keep the full 100 ns precision); time: Date (UTC time of day) or 'HH:MM:SS.fffffff'
 * - datetimeoffset: Date (offset +00:00) or 'YYYY-MM-DDTHH:MM:SS.fffffff+HH:MM' (the offset is kept on the wire)
 * - uniqueidentifier: string 'XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX' (sent in SQL Server's mixed-endian byte order)
 */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnTypeName;
  readonly length?: number | 'max';
  readonly precision?: number;
  readonly scale?: number;
  readonly nullable?: boolean;
}

/**
 * A result set. `rows` may be an array, or any (async) iterable to stream a large result without
 * materialising it: the server pulls rows only as fast as the client reads them (TCP backpressure).
 */
export interface ResultSet {
  readonly columns: readonly ColumnSpec[];
  readonly rows: readonly (readonly unknown[])[] | Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>;
}

/** An error as SQL Server reports it (ERROR token). `severity` (class) defaults to 16; ≥ 20 closes the connection. */
export interface SqlErrorSpec {
  readonly number: number;
  readonly message: string;
  readonly state?: number;
  readonly severity?: number;
  /** Line number reported by the ERROR token (default 1). */
  readonly line?: number;
  /** Procedure name reported by the ERROR token (default ''). */
  readonly procedure?: string;
}

/**
 * A handler's answer. Result sets come first (each ends with a DONE/DONEINPROC carrying its row count), then one
 * DONE/DONEINPROC per `rowsAffected` entry (e.g. `{ resultSets: [], rowsAffected: [3] }` for an UPDATE of 3 rows;
 * mssql then reports `rowsAffected: [3]`). With `error` and result sets together, the error follows the rows
 * already sent (an error mid-batch).
 */
export type SqlResponse =
  | {
      readonly resultSets: readonly ResultSet[];
      readonly rowsAffected?: readonly number[];
      readonly error?: SqlErrorSpec;
      /** RPC only: the procedure's return status (RETURNSTATUS token), default 0. */
      readonly returnStatus?: number;
    }
  | { readonly error: SqlErrorSpec };

/** A decoded RPC parameter. `type` is the SQL declaration, e.g. 'binary(10)', 'nvarchar(128)', 'decimal(18,4)'. */
export interface SqlParam {
  readonly type: string;
  /**
   * int/smallint/tinyint/float/real → number; bigint → string (as mssql returns bigint); decimal/numeric/money → exact
   * string with `scale` decimals; bit → boolean; character types → string; binary types → Buffer;
   * datetime/datetime2/date/time/datetimeoffset → Date (the instant; naive types read as UTC, as tedious sends them);
   * uniqueidentifier → upper-case string; NULL → null.
   */
  readonly value: unknown;
  /** Declared as OUTPUT by the client. */
  readonly output: boolean;
}

/** Transaction state of a session, as the server sees it. */
export interface TransactionInfo {
  /** 1-based nesting depth (BEGIN inside BEGIN). */
  readonly depth: number;
  /** Isolation level requested with the transaction (or the session's SET TRANSACTION ISOLATION LEVEL). */
  readonly isolationLevel: string;
  readonly name: string;
  /** How it started: a transaction manager request (tedious `beginTransaction`) or a `BEGIN TRAN` batch. */
  readonly startedBy: 'tm' | 'batch';
}

/** A snapshot of the connection's session when the request arrived. */
export interface SessionInfo {
  /** Server process id (SPID) of this connection, unique per server. */
  readonly id: number;
  readonly user: string;
  readonly appName: string;
  readonly hostName: string;
  /** The database the session is in (login database, or the last `USE`). */
  readonly database: string;
  readonly packetSize: number;
  /** The client asked for encryption in PRELOGIN (the server answered NOT_SUP and the session is plain TCP). */
  readonly clientRequestedEncryption: boolean;
  /** Current session isolation level (from SET TRANSACTION ISOLATION LEVEL or tedious's initial SET batch). */
  readonly isolationLevel: string;
  readonly transaction: TransactionInfo | undefined;
  /** Requests served on this connection before this one. */
  readonly requestCount: number;
}

/** One client request, as the handler receives it and as `server.requests` logs it. */
export interface SqlRequest {
  readonly kind: 'batch' | 'rpc';
  /** Batch text, or for `sp_executesql` the statement; for other procedures the procedure name. */
  readonly sql: string;
  /** RPC parameters by name without '@' (for sp_executesql: the statement's parameters only). */
  readonly params: Readonly<Record<string, SqlParam>>;
  /** RPC procedure (`sp_executesql` for mssql's `query`), undefined for batches. */
  readonly procedure?: string;
  /** For sp_executesql: the parameter declaration string, e.g. '@from_lsn binary(10), @to_lsn binary(10)'. */
  readonly paramDeclarations?: string;
  /** The session's current database. */
  readonly database: string;
  readonly session: SessionInfo;
  /**
   * Who answered: 'handler', 'builtin' (the server's own session statements: tedious's initial SET batch,
   * pool validation `SELECT 1`, BEGIN/COMMIT/ROLLBACK, USE), or 'fault' (an injected error).
   */
  readonly answeredBy: 'handler' | 'builtin' | 'fault';
}

/** The pluggable request handler (the CDC simulator, or a test's own). May be async. */
export type SqlHandler = (req: SqlRequest) => SqlResponse | Promise<SqlResponse>;

/** Counters a test can assert on (all connections of a server together), from `server.stats`. */
export interface TdsServerStats {
  /** Response packets written (login and prelogin replies included). */
  packetsSent: number;
  /** Result rows encoded and written. */
  rowsSent: number;
  /** Times a response stopped to wait for the socket to drain (the client was not reading fast enough). */
  drainWaits: number;
  /** Responses waiting for `drain` right now. */
  responsesBlocked: number;
  /** LOGIN7 messages received, and how many of them were refused. */
  logins: number;
  failedLogins: number;
}
