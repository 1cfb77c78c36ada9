/**
 * Answers the statements of the SQL Server CDC source's catalogue (sources/sql-server-cdc/statements.ts) from a
 * `CdcDatabase`. A statement is recognised by its `/* tributary:<name> *\/` marker, and its text must equal what
 * the catalogue builds for the simulated objects — so the simulator never accepts SQL the real source would not
 * send. Anything else is answered with error 102 naming the difference.
 */
import { Statements, statementNameOf, type Statement, type StatementColumn } from '../../../sources/sql-server-cdc/statements';
import type { ColumnSpec, SqlErrorSpec, SqlHandler, SqlRequest, SqlResponse } from '../tds';
import { qualified, type CdcDatabase, type SimCaptureInstance, type SimChange, type SimLsn } from './model';
import { compareValues, isConverted, rendered, resultColumn, type SimColumn } from './values';

const ZERO = Buffer.alloc(10);
const lsnBuf = (lsn: SimLsn | undefined): Buffer | null => (lsn === undefined ? null : Buffer.from(lsn.toString(16).padStart(20, '0'), 'hex'));
const lsnOf = (v: unknown): SimLsn | undefined => (Buffer.isBuffer(v) && v.length > 0 ? BigInt(`0x${v.toString('hex')}`) : undefined);

const col = (name: string, type: ColumnSpec['type'], extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, type, ...extra });
const result = (columns: ColumnSpec[], rows: unknown[][]): SqlResponse => ({ resultSets: [{ columns, rows }] });
const error = (number: number, message: string, severity = 16): SqlResponse => ({ error: { number, message, severity } satisfies SqlErrorSpec });

/** Server-local `datetime` text (style 121) of an instant. */
function localTime(at: Date, offsetMinutes: number): string {
  return new Date(at.getTime() + offsetMinutes * 60_000).toISOString().replace('T', ' ').slice(0, 23);
}

const statementColumns = (columns: readonly SimColumn[]): StatementColumn[] => columns.map((c) => ({ name: c.name, type: c.type }));

/** Builds the request handler of a simulated database. */
export function cdcHandler(db: CdcDatabase): SqlHandler {
  return (req) => {
    const name = statementNameOf(req.sql);
    if (name === undefined) return error(102, `CDC simulator: not a catalogue statement: ${req.sql.slice(0, 200)}`);
    if (req.database.toLowerCase() !== db.name.toLowerCase()) return error(208, `CDC simulator: database '${req.database}' is not simulated (have '${db.name}')`);
    const p = (k: string): unknown => req.params[k]?.value;
    switch (name) {
      case 'database-info':
        return exact(req, Statements.databaseInfo(), () =>
          result(
            [col('database_name', 'nvarchar'), col('is_cdc_enabled', 'int'), col('product_version', 'nvarchar'), col('engine_edition', 'int'), col('server_name', 'nvarchar')],
            [[db.name, db.cdcEnabled ? 1 : 0, '16.0.1000.6', 3, db.serverName]],
          ),
        );
      case 'max-lsn':
        return exact(req, Statements.maxLsn(), () =>
          result([col('max_lsn', 'binary', { length: 10 }), col('tz_offset_minutes', 'int')], [[lsnBuf(db.maxLsn()), db.tzOffsetMinutes]]),
        );
      case 'transaction-cap':
        return exact(req, Statements.transactionCap('00000000000000000000', 1), () => {
          const from = lsnOf(p('from_lsn')) ?? 0n;
          const real = db.mapping.filter((m) => !m.dummy && m.startLsn >= from).slice(0, Number(p('n')));
          return result([col('transactions', 'int'), col('last_lsn', 'binary', { length: 10 })], [[real.length, lsnBuf(real[real.length - 1]?.startLsn)]]);
        });
      case 'capture-instances':
        if (!db.cdcEnabled) return error(208, "Invalid object name 'cdc.change_tables'.");
        return exact(req, Statements.captureInstances(), () =>
          result(
            [
              col('capture_instance', 'nvarchar'),
              col('source_schema', 'nvarchar'),
              col('source_table', 'nvarchar'),
              col('object_id', 'int'),
              col('source_object_id', 'int'),
              col('start_lsn', 'binary', { length: 10 }),
              col('create_date', 'nvarchar'),
              col('min_lsn', 'binary', { length: 10 }),
              col('supports_net_changes', 'int'),
              col('index_name', 'nvarchar'),
            ],
            [...db.instances.values()]
              .sort((a, b) => `${a.table.schema}.${a.table.name}`.localeCompare(`${b.table.schema}.${b.table.name}`) || (a.startLsn < b.startLsn ? -1 : 1))
              .map((ci) => [
                ci.name,
                ci.table.schema,
                ci.table.name,
                ci.objectId,
                ci.table.objectId,
                lsnBuf(ci.startLsn),
                localTime(ci.createDate, db.tzOffsetMinutes),
                ci.denied ? ZERO : lsnBuf(ci.startLsn),
                0,
                `PK_${ci.table.name}`,
              ]),
          ),
        );
      case 'captured-columns':
        if (!db.cdcEnabled) return error(208, "Invalid object name 'cdc.captured_columns'.");
        return exact(req, Statements.capturedColumns(), () =>
          result(
            [col('object_id', 'int'), col('column_name', 'nvarchar'), col('column_ordinal', 'int'), col('column_type', 'nvarchar'), col('is_computed', 'int'), col('max_length', 'int')],
            db.capturedColumnRows(),
          ),
        );
      case 'index-columns':
        if (!db.cdcEnabled) return error(208, "Invalid object name 'cdc.index_columns'.");
        return exact(req, Statements.indexColumns(), () =>
          result(
            [col('object_id', 'int'), col('column_name', 'nvarchar'), col('index_ordinal', 'int')],
            [...db.instances.values()].flatMap((ci) => ci.indexColumns.map((k, i) => [ci.objectId, k, i + 1])),
          ),
        );
      case 'source-tables':
        return exact(req, Statements.sourceTables(), () =>
          result(
            [col('schema_name', 'nvarchar'), col('table_name', 'nvarchar'), col('is_tracked_by_cdc', 'int')],
            db
              .allTables()
              .sort((a, b) => `${a.schema}.${a.name}`.localeCompare(`${b.schema}.${b.name}`))
              .map((t) => [t.schema, t.name, [...db.instances.values()].some((ci) => ci.table === t) ? 1 : 0]),
          ),
        );
      case 'min-lsn':
        return exact(req, Statements.minLsn('x'), () => result([col('min_lsn', 'binary', { length: 10 })], [[lsnBuf(db.minLsn(String(p('capture_instance'))))]]));
      case 'increment-lsn':
        return exact(req, Statements.incrementLsn('00000000000000000000'), () => {
          const lsn = lsnOf(p('lsn'));
          return result([col('lsn', 'binary', { length: 10 })], [[lsn === undefined ? null : lsnBuf(lsn + 1n)]]);
        });
      case 'changes-from':
      case 'changes-after':
        return changes(db, req, name === 'changes-after');
      case 'snapshot-first-chunk':
      case 'snapshot-next-chunk':
        return snapshotChunk(db, req, name === 'snapshot-next-chunk');
      case 'cdc-jobs':
        return exact(req, Statements.cdcJobs(), () =>
          result(
            [col('job_type', 'nvarchar'), col('maxtrans', 'int'), col('maxscans', 'int'), col('continuous', 'int'), col('pollinginterval', 'bigint'), col('retention', 'bigint'), col('threshold', 'bigint')],
            [
              ['capture', 500, 10, 1, '5', '0', '0'],
              ['cleanup', 0, 0, 0, '0', String(db.retentionMinutes), '5000'],
            ],
          ),
        );
    }
  };
}

/** Answers with `answer()` if the text is the catalogue's, else error 102 showing where they differ. */
function exact(req: SqlRequest, expected: Statement, answer: () => SqlResponse): SqlResponse {
  if (req.sql !== expected.sql) {
    let i = 0;
    while (i < req.sql.length && req.sql[i] === expected.sql[i]) i++;
    return error(102, `CDC simulator: statement '${expected.name}' differs from the catalogue at ${i}: got …${req.sql.slice(i, i + 60)}…, expected …${expected.sql.slice(i, i + 60)}…`);
  }
  return answer();
}

/** The capture instance named in a change query (`cdc.[fn_cdc_get_all_changes_<ci>]`). */
function instanceIn(sql: string): string | undefined {
  const m = /FROM cdc\.\[fn_cdc_get_all_changes_((?:[^\]]|\]\])+)\]\(/.exec(sql);
  return m?.[1]?.replace(/\]\]/g, ']');
}

/**
 * `cdc.fn_cdc_get_all_changes_<ci>(@from, @to, N'all update old')` with the resume predicate, ORDER BY and TOP:
 * Msg 313 for a window outside `[start_lsn, max LSN]` (or NULL bounds), 208 for a missing instance, 229 when the
 * login may not read it.
 */
function changes(db: CdcDatabase, req: SqlRequest, after: boolean): SqlResponse {
  const name = instanceIn(req.sql);
  const ci = name === undefined ? undefined : db.instances.get(name);
  if (!ci) return error(208, `Invalid object name 'cdc.fn_cdc_get_all_changes_${name ?? '?'}'.`);
  const columns = statementColumns(ci.columns);
  const window = { from: '00000000000000000000', to: '00000000000000000000', page: 1 };
  const expected = after
    ? Statements.changesAfter(ci.name, columns, { ...window, after: { lsn: window.from, seqval: window.from, op: 0 } })
    : Statements.changesFrom(ci.name, columns, window);
  return exact(req, expected, () => {
    if (ci.denied) return error(229, `The SELECT permission was denied on the object 'fn_cdc_get_all_changes_${ci.name}', database '${db.name}', schema 'cdc'.`, 14);
    const p = (k: string): unknown => req.params[k]?.value;
    const from = lsnOf(p('from_lsn'));
    const to = lsnOf(p('to_lsn'));
    const max = db.maxLsn();
    if (from === undefined || to === undefined || max === undefined || from < ci.startLsn || to > max || from > to) {
      return error(313, `An insufficient number of arguments were supplied for the procedure or function cdc.fn_cdc_get_all_changes_${ci.name}.`);
    }
    const resume = after ? { lsn: lsnOf(p('lsn'))!, seqval: lsnOf(p('seqval'))!, op: Number(p('operation')) } : undefined;
    // Change tables are kept in (LSN, seqval, op) order (the clustered index): seek to the first row after the
    // resume point (or at `from`), then read up to TOP rows within `to`.
    const changes = ci.changes;
    const isAfterResume = (c: SimChange): boolean =>
      c.lsn >= from && (!resume || c.lsn > resume.lsn || (c.lsn === resume.lsn && (c.seqval > resume.seqval || (c.seqval === resume.seqval && c.op > resume.op))));
    let lo = 0;
    let hi = changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (isAfterResume(changes[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    const page = Number(p('page'));
    const selected: SimChange[] = [];
    for (let i = lo; i < changes.length && selected.length < page && changes[i]!.lsn <= to; i++) selected.push(changes[i]!);
    const rows = selected
      .map((c) => {
        const m = db.mappingByLsn.get(c.lsn);
        return [lsnBuf(c.lsn), lsnBuf(c.seqval), c.op, c.mask, m ? m.endTimeText ?? (m.endTimeText = localTime(m.endTime, db.tzOffsetMinutes)) : null, ...ci.columns.map((col, i) => rendered(col, c.values[i] ?? null))];
      });
    return result(
      [
        col('__$start_lsn', 'binary', { length: 10 }),
        col('__$seqval', 'binary', { length: 10 }),
        col('__$operation', 'int'),
        col('__$update_mask', 'varbinary', { length: 128 }),
        col('__$commit_time', 'nvarchar', { length: 23 }),
        ...ci.columns.map(resultColumn),
      ],
      rows,
    );
  });
}

/** The table named in a snapshot query (`FROM [schema].[table] AS t`). */
function tableIn(sql: string): string | undefined {
  const m = /FROM \[((?:[^\]]|\]\])+)\]\.\[((?:[^\]]|\]\])+)\] AS t/.exec(sql);
  return m ? `${m[1]!.replace(/\]\]/g, ']')}.${m[2]!.replace(/\]\]/g, ']')}` : undefined;
}

/** A snapshot chunk: the table's current rows in key order after the given key, TOP (@chunk). */
function snapshotChunk(db: CdcDatabase, req: SqlRequest, after: boolean): SqlResponse {
  const name = tableIn(req.sql);
  let table;
  try {
    table = db.table(qualified(name ?? '?'));
  } catch {
    return error(208, `Invalid object name '${name ?? '?'}'.`);
  }
  // The source reads a table in the shape of one of its capture instances.
  const shapes = [...db.instances.values()].filter((ci) => ci.table === table);
  const build = (ci: SimCaptureInstance): Statement => {
    const columns = statementColumns(ci.columns);
    const keys = columns.filter((c) => ci.indexColumns.includes(c.name));
    return after
      ? Statements.snapshotNextChunk(table.schema, table.name, columns, keys, 1, keys.map(() => null))
      : Statements.snapshotFirstChunk(table.schema, table.name, columns, keys, 1);
  };
  const ci = shapes.find((s) => build(s).sql === req.sql);
  if (!ci) return exact(req, shapes[0] ? build(shapes[0]) : Statements.sourceTables(), () => error(102, 'unreachable'));
  const keyColumns = table.primaryKey.map((k) => table.columns.find((c) => c.name === k)!);
  const lastKey = after ? keyColumns.map((_, i) => req.params[`k${i}`]?.value) : undefined;
  const cmpKey = (row: Record<string, unknown>, key: readonly unknown[]): number => {
    for (let i = 0; i < keyColumns.length; i++) {
      const c = keyColumns[i]!;
      const d = compareValues(c, row[c.name], normalizeKey(c, key[i]));
      if (d !== 0) return d;
    }
    return 0;
  };
  const rows = [...table.rows.values()]
    .filter((r) => !lastKey || cmpKey(r, lastKey) > 0)
    .sort((a, b) => cmpKey(a, keyColumns.map((c) => b[c.name])))
    .slice(0, Number(req.params['chunk']?.value))
    .map((r) => ci.columns.map((c) => rendered(c, r[c.name] ?? null)));
  return result(ci.columns.map(resultColumn), rows);
}

/** A key parameter as the stored form compares (numbers for numeric keys sent as text). */
function normalizeKey(c: SimColumn, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (isConverted(c.type) || c.type === 'bigint') return String(v);
  return v;
}
