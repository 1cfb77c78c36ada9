/**
 * The statement catalogue: every SQL text the SQL Server CDC source sends, as named, parameterised statements.
 *
 * Rules: identifiers come only from `cdc.change_tables`, `cdc.captured_columns` and `cdc.index_columns` and are
 * bracket-quoted (`quoteIdentifier`); values are always parameters; no `NOLOCK` hint and no explicit
 * transaction (each statement runs alone under READ COMMITTED autocommit). Every text starts with the marker
 * `/* tributary:<name> *\/`, which names it in traces, in `sys.dm_exec_requests`, and for the test simulator.
 */
import { lsnToBuffer, type Lsn } from './lsn';

/** The parameter types the catalogue uses; the client maps them to driver types. */
export type SqlParamType = 'binary10' | 'int' | 'bigint' | 'bit' | 'float' | 'nvarchar' | 'varbinary' | 'uniqueidentifier';

/** One bound parameter (`@name`). */
export interface SqlParam {
  readonly name: string;
  readonly type: SqlParamType;
  readonly value: unknown;
}

/** The names of the catalogue's statements. */
export type StatementName =
  | 'database-info'
  | 'max-lsn'
  | 'transaction-cap'
  | 'capture-instances'
  | 'captured-columns'
  | 'index-columns'
  | 'source-tables'
  | 'min-lsn'
  | 'increment-lsn'
  | 'changes-from'
  | 'changes-after'
  | 'snapshot-first-chunk'
  | 'snapshot-next-chunk'
  | 'cdc-jobs';

/** A ready-to-run statement: its name, its text and its parameters. */
export interface Statement {
  readonly name: StatementName;
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** A column as the statements need it: name, SQL type name (lower case) and whether it is a `(max)` type. */
export interface StatementColumn {
  readonly name: string;
  /** The SQL type name as `cdc.captured_columns.column_type` gives it, lower case (`nvarchar`, `decimal`…). */
  readonly type: string;
}

const MARKER = /^\/\* tributary:([a-z-]+) \*\//;

/** The statement name in a text built by this catalogue, or `undefined`. */
export function statementNameOf(sql: string): StatementName | undefined {
  return MARKER.exec(sql)?.[1] as StatementName | undefined;
}

/**
 * Quotes an identifier with brackets (`]` doubled), the only way identifiers enter a statement.
 * @example quoteIdentifier('Order Lines]') // '[Order Lines]]]'
 */
export function quoteIdentifier(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 128 || /[\u0000-\u001f]/.test(name)) {
    throw new TypeError(`not a valid SQL Server identifier: ${JSON.stringify(name)}`);
  }
  return `[${name.replace(/]/g, ']]')}]`;
}

const text = (name: StatementName, ...parts: string[]): string => `/* tributary:${name} */ ${parts.join(' ')}`;

const statement = (name: StatementName, sql: string, params: readonly SqlParam[] = []): Statement => ({ name, sql, params });

const lsnParam = (name: string, lsn: Lsn): SqlParam => ({ name, type: 'binary10', value: lsnToBuffer(lsn) });

/**
 * The select expression of a captured column under `alias` (`c` or `t`): values whose driver decoding would
 * lose precision or offsets are converted on the server — `decimal`/`numeric` to their exact text, `money` with
 * its 4 decimals (style 2), and every date/time type with style 121 (`yyyy-mm-dd hh:mi:ss.fffffff [+hh:mm]`,
 * as many fractional digits as the column's scale, the offset of a `datetimeoffset` kept).
 */
export function selectExpression(alias: string, column: StatementColumn): string {
  const ref = `${alias}.${quoteIdentifier(column.name)}`;
  const as = `AS ${quoteIdentifier(column.name)}`;
  switch (column.type) {
    case 'decimal':
    case 'numeric':
      return `CONVERT(nvarchar(48), ${ref}) ${as}`;
    case 'money':
    case 'smallmoney':
      return `CONVERT(nvarchar(32), ${ref}, 2) ${as}`;
    case 'date':
    case 'time':
    case 'datetime':
    case 'datetime2':
    case 'smalldatetime':
    case 'datetimeoffset':
      return `CONVERT(nvarchar(34), ${ref}, 121) ${as}`;
    default:
      return `${ref} ${as}`;
  }
}

/** The parameter type a key value of SQL type `type` is bound with (others go as `nvarchar` and convert). */
export function keyParamType(type: string): SqlParamType {
  switch (type) {
    case 'int':
    case 'smallint':
    case 'tinyint':
      return 'int';
    case 'bigint':
      return 'bigint';
    case 'bit':
      return 'bit';
    case 'float':
    case 'real':
      return 'float';
    case 'binary':
    case 'varbinary':
      return 'varbinary';
    case 'uniqueidentifier':
      return 'uniqueidentifier';
    default:
      return 'nvarchar';
  }
}

/** The columns every change query returns before the captured columns, in order. */
export const CHANGE_META_COLUMNS = ['__$start_lsn', '__$seqval', '__$operation', '__$update_mask', '__$commit_time'] as const;

/** The statement catalogue. */
export const Statements = {
  /** Database name, whether CDC is enabled on it, and the server's version and name. */
  databaseInfo(): Statement {
    return statement(
      'database-info',
      text(
        'database-info',
        'SELECT DB_NAME() AS database_name, CAST(d.is_cdc_enabled AS int) AS is_cdc_enabled,',
        "CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS product_version, CAST(SERVERPROPERTY('EngineEdition') AS int) AS engine_edition,",
        'CAST(@@SERVERNAME AS nvarchar(128)) AS server_name',
        'FROM sys.databases AS d WHERE d.database_id = DB_ID()',
      ),
    );
  },

  /** The database-wide high-water mark (`NULL` before the capture job ran) and the server's UTC offset. */
  maxLsn(): Statement {
    return statement(
      'max-lsn',
      text('max-lsn', 'SELECT sys.fn_cdc_get_max_lsn() AS max_lsn, DATEPART(TZOFFSET, SYSDATETIMEOFFSET()) AS tz_offset_minutes'),
    );
  },

  /**
   * How many real transactions (dummy rows excluded) exist from `fromLsn` on, up to `n`, and the commit LSN of
   * the last of them: the window end when an iteration is bounded to `n` transactions.
   */
  transactionCap(fromLsn: Lsn, n: number): Statement {
    return statement(
      'transaction-cap',
      text(
        'transaction-cap',
        'SELECT COUNT(*) AS transactions, MAX(x.start_lsn) AS last_lsn',
        'FROM (SELECT TOP (@n) m.start_lsn FROM cdc.lsn_time_mapping AS m WHERE m.start_lsn >= @from_lsn AND m.tran_id <> 0x00 ORDER BY m.start_lsn) AS x',
      ),
      [lsnParam('from_lsn', fromLsn), { name: 'n', type: 'int', value: n }],
    );
  },

  /** Every capture instance with its source table, validity start and current min LSN. */
  captureInstances(): Statement {
    return statement(
      'capture-instances',
      text(
        'capture-instances',
        'SELECT ct.capture_instance, OBJECT_SCHEMA_NAME(ct.source_object_id) AS source_schema, OBJECT_NAME(ct.source_object_id) AS source_table,',
        'ct.object_id, ct.source_object_id, ct.start_lsn, CONVERT(nvarchar(23), ct.create_date, 121) AS create_date,',
        'sys.fn_cdc_get_min_lsn(ct.capture_instance) AS min_lsn, CAST(ct.supports_net_changes AS int) AS supports_net_changes, ct.index_name',
        'FROM cdc.change_tables AS ct ORDER BY source_schema, source_table, ct.start_lsn, ct.capture_instance',
      ),
    );
  },

  /** The captured columns of every capture instance, in column order, with their width (`-1` = `(max)`). */
  capturedColumns(): Statement {
    return statement(
      'captured-columns',
      text(
        'captured-columns',
        'SELECT cc.object_id, cc.column_name, cc.column_ordinal, cc.column_type, CAST(cc.is_computed AS int) AS is_computed, CAST(c.max_length AS int) AS max_length',
        'FROM cdc.captured_columns AS cc JOIN sys.columns AS c ON c.object_id = cc.object_id AND c.name = cc.column_name',
        'ORDER BY cc.object_id, cc.column_ordinal',
      ),
    );
  },

  /** The key columns of every capture instance (its primary key or `@index_name`). */
  indexColumns(): Statement {
    return statement(
      'index-columns',
      text('index-columns', 'SELECT ic.object_id, ic.column_name, ic.index_ordinal FROM cdc.index_columns AS ic ORDER BY ic.object_id, ic.index_ordinal'),
    );
  },

  /** The user tables of the database and whether CDC tracks them. */
  sourceTables(): Statement {
    return statement(
      'source-tables',
      text(
        'source-tables',
        'SELECT s.name AS schema_name, t.name AS table_name, CAST(t.is_tracked_by_cdc AS int) AS is_tracked_by_cdc',
        "FROM sys.tables AS t JOIN sys.schemas AS s ON s.schema_id = t.schema_id WHERE t.is_ms_shipped = 0 AND s.name <> N'cdc'",
        'ORDER BY s.name, t.name',
      ),
    );
  },

  /** `sys.fn_cdc_get_min_lsn(ci)`: zero when the instance is missing or the login may not read it. */
  minLsn(captureInstance: string): Statement {
    return statement('min-lsn', text('min-lsn', 'SELECT sys.fn_cdc_get_min_lsn(@capture_instance) AS min_lsn'), [
      { name: 'capture_instance', type: 'nvarchar', value: captureInstance },
    ]);
  },

  /** `sys.fn_cdc_increment_lsn(lsn)`: where a window after `through lsn` starts. */
  incrementLsn(lsn: Lsn): Statement {
    return statement('increment-lsn', text('increment-lsn', 'SELECT sys.fn_cdc_increment_lsn(@lsn) AS lsn'), [lsnParam('lsn', lsn)]);
  },

  /**
   * The first page of a window: up to `page` change rows of `captureInstance` with `from ≤ __$start_lsn ≤ to`
   * (both ops of an update: `N'all update old'`), ordered by (commit LSN, seqval, operation), with the commit
   * time from `cdc.lsn_time_mapping`. Columns: `CHANGE_META_COLUMNS`, then `columns`.
   */
  changesFrom(captureInstance: string, columns: readonly StatementColumn[], window: { from: Lsn; to: Lsn; page: number }): Statement {
    return statement('changes-from', changesText('changes-from', captureInstance, columns, false), [
      { name: 'page', type: 'int', value: window.page },
      lsnParam('from_lsn', window.from),
      lsnParam('to_lsn', window.to),
    ]);
  },

  /**
   * The next page of a window: as `changesFrom`, after the row (`lsn`, `seqval`, `operation`) — the resume
   * predicate `(L = @lsn AND S = @seqval AND O > @operation) OR (L = @lsn AND S > @seqval) OR L > @lsn`, unique
   * even for the delete/insert pair of a primary-key update.
   */
  changesAfter(
    captureInstance: string,
    columns: readonly StatementColumn[],
    window: { from: Lsn; to: Lsn; page: number; after: { lsn: Lsn; seqval: Lsn; op: number } },
  ): Statement {
    return statement('changes-after', changesText('changes-after', captureInstance, columns, true), [
      { name: 'page', type: 'int', value: window.page },
      lsnParam('from_lsn', window.from),
      lsnParam('to_lsn', window.to),
      lsnParam('lsn', window.after.lsn),
      lsnParam('seqval', window.after.seqval),
      { name: 'operation', type: 'int', value: window.after.op },
    ]);
  },

  /** The first `chunk` rows of a table in key order (snapshot). */
  snapshotFirstChunk(schema: string, table: string, columns: readonly StatementColumn[], keys: readonly StatementColumn[], chunk: number): Statement {
    return statement('snapshot-first-chunk', snapshotText('snapshot-first-chunk', schema, table, columns, keys, false), [
      { name: 'chunk', type: 'int', value: chunk },
    ]);
  },

  /** The next `chunk` rows after key `after` (values in key-column order, as the source emitted them). */
  snapshotNextChunk(
    schema: string,
    table: string,
    columns: readonly StatementColumn[],
    keys: readonly StatementColumn[],
    chunk: number,
    after: readonly unknown[],
  ): Statement {
    if (after.length !== keys.length) throw new RangeError(`snapshot of ${schema}.${table}: ${after.length} key values for ${keys.length} key columns`);
    return statement('snapshot-next-chunk', snapshotText('snapshot-next-chunk', schema, table, columns, keys, true), [
      { name: 'chunk', type: 'int', value: chunk },
      ...keys.map((k, i): SqlParam => ({ name: `k${i}`, type: keyParamType(k.type), value: after[i] })),
    ]);
  },

  /** The capture and cleanup job settings (`msdb.dbo.cdc_jobs`; needs access to msdb). */
  cdcJobs(): Statement {
    return statement(
      'cdc-jobs',
      text(
        'cdc-jobs',
        'SELECT j.job_type, j.maxtrans, j.maxscans, CAST(j.continuous AS int) AS continuous, j.pollinginterval, j.retention, j.threshold',
        'FROM msdb.dbo.cdc_jobs AS j WHERE j.database_id = DB_ID() ORDER BY j.job_type',
      ),
    );
  },
} as const;

function changesText(name: StatementName, captureInstance: string, columns: readonly StatementColumn[], after: boolean): string {
  const fn = quoteIdentifier(`fn_cdc_get_all_changes_${captureInstance}`);
  const select = [
    'c.[__$start_lsn]',
    'c.[__$seqval]',
    'c.[__$operation]',
    'c.[__$update_mask]',
    'CONVERT(nvarchar(23), m.tran_end_time, 121) AS [__$commit_time]',
    ...columns.map((col) => selectExpression('c', col)),
  ].join(', ');
  return text(
    name,
    `SELECT TOP (@page) ${select}`,
    `FROM cdc.${fn}(@from_lsn, @to_lsn, N'all update old') AS c`,
    'LEFT JOIN cdc.lsn_time_mapping AS m ON m.start_lsn = c.[__$start_lsn]',
    ...(after
      ? [
          'WHERE (c.[__$start_lsn] = @lsn AND c.[__$seqval] = @seqval AND c.[__$operation] > @operation)',
          'OR (c.[__$start_lsn] = @lsn AND c.[__$seqval] > @seqval) OR c.[__$start_lsn] > @lsn',
        ]
      : []),
    'ORDER BY c.[__$start_lsn], c.[__$seqval], c.[__$operation]',
  );
}

function snapshotText(
  name: StatementName,
  schema: string,
  table: string,
  columns: readonly StatementColumn[],
  keys: readonly StatementColumn[],
  after: boolean,
): string {
  if (keys.length === 0) throw new RangeError(`snapshot of ${schema}.${table}: the table has no key columns`);
  const key = (k: StatementColumn): string => `t.${quoteIdentifier(k.name)}`;
  // (k0 > @k0) OR (k0 = @k0 AND k1 > @k1) OR …: strictly after the last key, usable as an index seek.
  const predicate = keys
    .map((k, i) => `(${[...keys.slice(0, i).map((p, j) => `${key(p)} = @k${j}`), `${key(k)} > @k${i}`].join(' AND ')})`)
    .join(' OR ');
  return text(
    name,
    `SELECT TOP (@chunk) ${columns.map((c) => selectExpression('t', c)).join(', ')}`,
    `FROM ${quoteIdentifier(schema)}.${quoteIdentifier(table)} AS t`,
    ...(after ? [`WHERE ${predicate}`] : []),
    `ORDER BY ${keys.map(key).join(', ')}`,
  );
}
