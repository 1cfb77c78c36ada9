import sql from 'mssql';
import { TdsTestServer, type ColumnSpec, type SqlHandler, type SqlRequest, type SqlResponse } from '../support/tds';

/**
 * The TDS test server through the real mssql 12.7.14 / tedious 19.2.2 client: login, pool, every column type and
 * parameter type, errors, several result sets, transactions and session statements. Faults, streaming,
 * backpressure and cancellation are in tds-server-faults.test.ts.
 */

type Config = sql.config;

let server: TdsTestServer;
let handler: SqlHandler = () => ({ resultSets: [] });

beforeAll(async () => {
  server = await TdsTestServer.start({ handler: (req) => handler(req), database: 'master' });
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  server.faults.reset();
  server.clearLogs();
  handler = () => ({ resultSets: [] });
});

async function withPool<T>(fn: (pool: sql.ConnectionPool) => Promise<T>, config: Partial<Config> = {}): Promise<T> {
  const pool = new sql.ConnectionPool({ ...server.connectionConfig('Sales'), ...config } as Config);
  await pool.connect();
  try {
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

/** One result set answering every handler-routed request. */
function answer(columns: ColumnSpec[], rows: unknown[][]): SqlHandler {
  return () => ({ resultSets: [{ columns, rows }] });
}

const lsn = Buffer.from('00000025000001a80003', 'hex');
/** mssql's Binary takes a length at runtime; @types/mssql 12.3 declares it without parameters. */
const binary = (length: number): sql.ISqlType => (sql.Binary as unknown as (length: number) => sql.ISqlType)(length);

describe('login and session', () => {
  it('logs in with the requested database, app name and packet size, then answers a query', async () => {
    handler = answer([{ name: 'x', type: 'int' }], [[1]]);
    await withPool(async (pool) => {
      const result = await pool.request().query('SELECT 1 AS x');
      expect(result.recordset).toEqual([{ x: 1 }]);
      expect(result.rowsAffected).toEqual([1]);
    });
    const req = server.handledRequests[0] as SqlRequest;
    expect(req).toMatchObject({ kind: 'rpc', procedure: 'sp_executesql', sql: 'SELECT 1 AS x', database: 'Sales', params: {} });
    expect(req.session).toMatchObject({ user: 'sa', appName: 'node-mssql', database: 'Sales', packetSize: 4096, isolationLevel: 'READ COMMITTED' });
    expect(req.session.transaction).toBeUndefined();
    // tedious's initial SET batch and the pool's validation query are answered by the server itself.
    const builtin = server.requests.filter((r) => r.answeredBy === 'builtin');
    expect(builtin.some((r) => r.kind === 'batch' && r.sql.startsWith('set ansi_nulls on'))).toBe(true);
    expect(builtin.some((r) => r.kind === 'rpc' && r.sql === 'SELECT 1;')).toBe(true);
  });

  it('negotiates the packet size the client asks for', async () => {
    handler = answer([{ name: 'x', type: 'int' }], [[1]]);
    await withPool((pool) => pool.request().query('q'), { options: { encrypt: false, packetSize: 16384 } });
    expect(server.handledRequests[0]?.session.packetSize).toBe(16384);
  });

  it('answers encrypt: true with ENCRYPTION=NOT_SUP, so tedious proceeds in clear text (TLS is not exercised)', async () => {
    handler = answer([{ name: 'x', type: 'int' }], [[7]]);
    const rows = await withPool((pool) => pool.request().query('q'), { options: { encrypt: true, trustServerCertificate: true } });
    expect(rows.recordset).toEqual([{ x: 7 }]);
    expect(server.handledRequests[0]?.session.clientRequestedEncryption).toBe(true);
  });

  it('refuses a wrong password with 18456 (tedious ConnectionError ELOGIN)', async () => {
    const pool = new sql.ConnectionPool({ ...server.connectionConfig('Sales'), password: 'wrong' });
    const error = await pool.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(sql.ConnectionError);
    expect(error).toMatchObject({ code: 'ELOGIN', message: "Login failed for user 'sa'." });
    await pool.close();
  });

  it('tracks USE and SET TRANSACTION ISOLATION LEVEL on the session', async () => {
    handler = answer([{ name: 'x', type: 'int' }], [[1]]);
    await withPool(
      async (pool) => {
        await pool.request().batch('USE [Other]');
        await pool.request().batch('SET TRANSACTION ISOLATION LEVEL SNAPSHOT');
        await pool.request().query('q');
      },
      { pool: { min: 0, max: 1 } },
    );
    expect(server.handledRequests[0]).toMatchObject({ database: 'Other', session: { isolationLevel: 'SNAPSHOT' } });
  });

  it('refuses unknown databases when the server lists its databases (4060 at login, 911 on USE)', async () => {
    const strict = await TdsTestServer.start({ handler: answer([{ name: 'x', type: 'int' }], [[1]]), databases: ['Sales'] });
    try {
      const bad = new sql.ConnectionPool(strict.connectionConfig('Nope'));
      await expect(bad.connect()).rejects.toMatchObject({ code: 'ELOGIN', message: expect.stringContaining('Cannot open database "Nope"') });
      await bad.close();
      const pool = await new sql.ConnectionPool(strict.connectionConfig('Sales')).connect();
      await expect(pool.request().batch('USE [Nope]')).rejects.toMatchObject({ number: 911 });
      await pool.close();
    } finally {
      await strict.stop();
    }
  });
});

describe('result column types, exactly as mssql returns them', () => {
  const cases: Array<{ column: ColumnSpec; value: unknown; expected: unknown; mssqlType: unknown }> = [
    { column: { name: 'c', type: 'int' }, value: -2147483648, expected: -2147483648, mssqlType: sql.Int },
    { column: { name: 'c', type: 'bigint' }, value: '9223372036854775807', expected: '9223372036854775807', mssqlType: sql.BigInt },
    { column: { name: 'c', type: 'bigint' }, value: -9007199254740993n, expected: '-9007199254740993', mssqlType: sql.BigInt },
    { column: { name: 'c', type: 'smallint' }, value: -32768, expected: -32768, mssqlType: sql.SmallInt },
    { column: { name: 'c', type: 'tinyint' }, value: 255, expected: 255, mssqlType: sql.TinyInt },
    { column: { name: 'c', type: 'bit' }, value: true, expected: true, mssqlType: sql.Bit },
    { column: { name: 'c', type: 'bit' }, value: 0, expected: false, mssqlType: sql.Bit },
    { column: { name: 'c', type: 'float' }, value: 1.5e300, expected: 1.5e300, mssqlType: sql.Float },
    { column: { name: 'c', type: 'real' }, value: 0.1, expected: Math.fround(0.1), mssqlType: sql.Real },
    { column: { name: 'c', type: 'decimal', precision: 18, scale: 4 }, value: '-12345.6789', expected: -12345.6789, mssqlType: sql.Decimal },
    { column: { name: 'c', type: 'decimal', precision: 9, scale: 2 }, value: 12.345, expected: 12.35, mssqlType: sql.Decimal },
    {
      column: { name: 'c', type: 'numeric', precision: 38, scale: 10 },
      value: '12345678901234567890.0123456789',
      expected: 12345678901234567890.0123456789,
      mssqlType: sql.Numeric,
    },
    { column: { name: 'c', type: 'money' }, value: '922337203685477.5807', expected: 922337203685477.5807, mssqlType: sql.Money },
    { column: { name: 'c', type: 'money' }, value: '-0.0001', expected: -0.0001, mssqlType: sql.Money },
    { column: { name: 'c', type: 'smallmoney' }, value: '-214748.3648', expected: -214748.3648, mssqlType: sql.SmallMoney },
    { column: { name: 'c', type: 'nvarchar', length: 50 }, value: 'Zoë ☕ 𝄞', expected: 'Zoë ☕ 𝄞', mssqlType: sql.NVarChar },
    { column: { name: 'c', type: 'nvarchar', length: 50 }, value: '', expected: '', mssqlType: sql.NVarChar },
    { column: { name: 'c', type: 'varchar', length: 50 }, value: 'café', expected: 'café', mssqlType: sql.VarChar },
    { column: { name: 'c', type: 'nchar', length: 5 }, value: 'ab', expected: 'ab   ', mssqlType: sql.NChar },
    { column: { name: 'c', type: 'char', length: 5 }, value: 'xy', expected: 'xy   ', mssqlType: sql.Char },
    { column: { name: 'c', type: 'binary', length: 10 }, value: lsn, expected: lsn, mssqlType: sql.Binary },
    { column: { name: 'c', type: 'binary', length: 4 }, value: Buffer.from([1]), expected: Buffer.from([1, 0, 0, 0]), mssqlType: sql.Binary },
    { column: { name: 'c', type: 'varbinary', length: 100 }, value: Buffer.from([1, 2, 3]), expected: Buffer.from([1, 2, 3]), mssqlType: sql.VarBinary },
    { column: { name: 'c', type: 'datetime' }, value: '2024-01-02T03:04:05.997', expected: new Date('2024-01-02T03:04:05.997Z'), mssqlType: sql.DateTime },
    // datetime has 1/300 s resolution: .999 rounds up to the next second, as SQL Server does.
    { column: { name: 'c', type: 'datetime' }, value: '2024-12-31T23:59:59.999', expected: new Date('2025-01-01T00:00:00.000Z'), mssqlType: sql.DateTime },
    { column: { name: 'c', type: 'smalldatetime' }, value: '2024-01-02T03:04:30', expected: new Date('2024-01-02T03:05:00Z'), mssqlType: sql.SmallDateTime },
    { column: { name: 'c', type: 'datetime2', scale: 7 }, value: new Date('2024-02-29T23:59:59.123Z'), expected: new Date('2024-02-29T23:59:59.123Z'), mssqlType: sql.DateTime2 },
    { column: { name: 'c', type: 'datetime2', scale: 0 }, value: '2024-01-02T03:04:05.6', expected: new Date('2024-01-02T03:04:06Z'), mssqlType: sql.DateTime2 },
    {
      column: { name: 'c', type: 'datetimeoffset', scale: 7 },
      value: '2024-01-02T03:04:05.1234567+02:00',
      expected: new Date('2024-01-02T01:04:05.123Z'),
      mssqlType: sql.DateTimeOffset,
    },
    { column: { name: 'c', type: 'datetimeoffset', scale: 3 }, value: '2024-01-01T00:30:00.000-05:30', expected: new Date('2024-01-01T06:00:00Z'), mssqlType: sql.DateTimeOffset },
    { column: { name: 'c', type: 'date' }, value: '0001-01-01', expected: new Date('0001-01-01T00:00:00Z'), mssqlType: sql.Date },
    { column: { name: 'c', type: 'date' }, value: '9999-12-31', expected: new Date('9999-12-31T00:00:00Z'), mssqlType: sql.Date },
    { column: { name: 'c', type: 'time', scale: 3 }, value: '12:34:56.789', expected: new Date('1970-01-01T12:34:56.789Z'), mssqlType: sql.Time },
    {
      column: { name: 'c', type: 'uniqueidentifier' },
      value: '01020304-0506-0708-090a-0b0c0d0e0f10',
      expected: '01020304-0506-0708-090A-0B0C0D0E0F10',
      mssqlType: sql.UniqueIdentifier,
    },
    { column: { name: 'c', type: 'ntext' }, value: 'ntext ☕', expected: 'ntext ☕', mssqlType: sql.NText },
    { column: { name: 'c', type: 'nvarchar(max)' }, value: 'x☕'.repeat(40_000), expected: 'x☕'.repeat(40_000), mssqlType: sql.NVarChar },
    { column: { name: 'c', type: 'nvarchar(max)' }, value: '', expected: '', mssqlType: sql.NVarChar },
    { column: { name: 'c', type: 'varchar', length: 'max' }, value: 'plain '.repeat(5000), expected: 'plain '.repeat(5000), mssqlType: sql.VarChar },
    { column: { name: 'c', type: 'varbinary(max)' }, value: Buffer.alloc(200_000, 7), expected: Buffer.alloc(200_000, 7), mssqlType: sql.VarBinary },
  ];

  it.each(cases.map((c) => [`${c.column.type}${c.column.length !== undefined ? `(${c.column.length})` : ''} ${describeValue(c.value)}`, c]))(
    '%s',
    async (_label, { column, value, expected, mssqlType }) => {
      handler = answer([column, { ...column, name: 'n' }], [[value, null]]);
      const result = await withPool((pool) => pool.request().query('SELECT c, n'));
      expect(result.recordset).toHaveLength(1);
      expect(result.recordset[0]).toEqual({ c: expected, n: null });
      expect(result.recordset.columns['c']?.type).toBe(mssqlType);
    },
  );

  it('keeps datetime2 / time precision below the millisecond (tedious nanosecondsDelta)', async () => {
    handler = answer(
      [
        { name: 'dt2', type: 'datetime2', scale: 7 },
        { name: 't', type: 'time', scale: 7 },
      ],
      [['2024-02-29T23:59:59.1234567', '23:59:59.9999999']],
    );
    const { recordset } = await withPool((pool) => pool.request().query('q'));
    const row = recordset[0] as { dt2: Date & { nanosecondsDelta: number }; t: Date & { nanosecondsDelta: number } };
    expect(row.dt2.toISOString()).toBe('2024-02-29T23:59:59.123Z');
    expect(row.dt2.nanosecondsDelta).toBeCloseTo(0.0004567, 10);
    expect(row.t.toISOString()).toBe('1970-01-01T23:59:59.999Z');
    expect(row.t.nanosecondsDelta).toBeCloseTo(0.0009999, 10);
  });

  it('describes columns (length, precision, scale, nullability) as mssql reports them', async () => {
    handler = answer(
      [
        { name: 'lsn', type: 'binary', length: 10, nullable: false },
        { name: 'name', type: 'nvarchar', length: 128 },
        { name: 'amount', type: 'decimal', precision: 19, scale: 4 },
        { name: 'at', type: 'datetime2', scale: 3 },
      ],
      [[lsn, 'a', '1.0000', '2024-01-01T00:00:00']],
    );
    const { recordset } = await withPool((pool) => pool.request().query('q'));
    const columns = recordset.columns;
    expect(columns['lsn']).toMatchObject({ index: 0, type: sql.Binary, length: 10, nullable: false });
    expect(columns['name']).toMatchObject({ index: 1, type: sql.NVarChar, length: 256, nullable: true });
    expect(columns['amount']).toMatchObject({ type: sql.Decimal, precision: 19, scale: 4 });
    expect(columns['at']).toMatchObject({ type: sql.DateTime2, scale: 3 });
  });

  it('reports a value that does not fit its column as error 50000 naming the column and row', async () => {
    handler = answer([{ name: 'code', type: 'nvarchar', length: 3 }], [['ok'], ['too long']]);
    await withPool(async (pool) => {
      await expect(pool.request().query('q')).rejects.toMatchObject({
        number: 50000,
        message: expect.stringContaining("column 'code' (nvarchar) result set 0 row 1: 8 characters exceed nvarchar(3)"),
      });
      // The connection survives the failed response.
      handler = answer([{ name: 'x', type: 'int' }], [[1]]);
      expect((await pool.request().query('q')).recordset).toEqual([{ x: 1 }]);
    });
  });
});

describe('parameters of each type (sp_executesql)', () => {
  it('decodes every parameter type tedious sends', async () => {
    handler = answer([{ name: 'ok', type: 'bit' }], [[true]]);
    const when = new Date('2024-01-02T03:04:05.123Z');
    const longText = 'long ☕ '.repeat(2000);
    const blob = Buffer.alloc(20_000, 9);
    await withPool((pool) =>
      pool
        .request()
        .input('i', sql.Int, 42)
        .input('bi', sql.BigInt, '9007199254740993')
        .input('si', sql.SmallInt, -7)
        .input('ti', sql.TinyInt, 200)
        .input('b', sql.Bit, false)
        .input('f', sql.Float, 1.25)
        .input('r', sql.Real, 0.5)
        .input('d', sql.Decimal(18, 4), 12.3456)
        .input('dneg', sql.Decimal(38, 10), -1.5)
        .input('num', sql.Numeric(10, 2), 3.14)
        .input('m', sql.Money, 12.34)
        .input('sm', sql.SmallMoney, -1.5)
        .input('nv', sql.NVarChar(128), 'Zoë')
        .input('nvmax', sql.NVarChar(sql.MAX), longText)
        .input('v', sql.VarChar(20), 'abc')
        .input('nc', sql.NChar(5), 'ab')
        .input('c', sql.Char(3), 'xy')
        .input('from_lsn', binary(10), lsn)
        .input('vb', sql.VarBinary(10), Buffer.from('ff00', 'hex'))
        .input('vbmax', sql.VarBinary(sql.MAX), blob)
        .input('dt', sql.DateTime, when)
        .input('sdt', sql.SmallDateTime, new Date('2024-01-02T03:04:00Z'))
        .input('dt2', sql.DateTime2(7), when)
        .input('dto', sql.DateTimeOffset(7), when)
        .input('da', sql.Date, new Date('2024-01-02T00:00:00Z'))
        .input('t', sql.Time(7), new Date('1970-01-01T12:34:56.789Z'))
        .input('g', sql.UniqueIdentifier, '01020304-0506-0708-090a-0b0c0d0e0f10')
        .input('nul', sql.Int, null)
        .input('nulb', binary(10), null)
        .query('SELECT @i AS ok'),
    );
    const req = server.handledRequests[0] as SqlRequest;
    const p = (name: string): unknown => ({ type: req.params[name]?.type, value: req.params[name]?.value });
    expect(p('i')).toEqual({ type: 'int', value: 42 });
    expect(p('bi')).toEqual({ type: 'bigint', value: '9007199254740993' });
    expect(p('si')).toEqual({ type: 'smallint', value: -7 });
    expect(p('ti')).toEqual({ type: 'tinyint', value: 200 });
    expect(p('b')).toEqual({ type: 'bit', value: false });
    expect(p('f')).toEqual({ type: 'float', value: 1.25 });
    expect(p('r')).toEqual({ type: 'real', value: 0.5 });
    expect(p('d')).toEqual({ type: 'decimal(18,4)', value: '12.3456' });
    expect(p('dneg')).toEqual({ type: 'decimal(38,10)', value: '-1.5000000000' });
    expect(p('num')).toEqual({ type: 'numeric(10,2)', value: '3.14' });
    expect(p('m')).toEqual({ type: 'money', value: '12.3400' });
    expect(p('sm')).toEqual({ type: 'smallmoney', value: '-1.5000' });
    expect(p('nv')).toEqual({ type: 'nvarchar(128)', value: 'Zoë' });
    expect(p('nvmax')).toEqual({ type: 'nvarchar(max)', value: longText });
    expect(p('v')).toEqual({ type: 'varchar(20)', value: 'abc' });
    expect(p('nc')).toEqual({ type: 'nchar(5)', value: 'ab' });
    expect(p('c')).toEqual({ type: 'char(3)', value: 'xy' });
    expect(p('from_lsn')).toEqual({ type: 'binary(10)', value: lsn });
    expect(p('vb')).toEqual({ type: 'varbinary(10)', value: Buffer.from('ff00', 'hex') });
    expect(p('vbmax')).toEqual({ type: 'varbinary(max)', value: blob });
    expect(p('dt')).toEqual({ type: 'datetime', value: when });
    expect(p('sdt')).toEqual({ type: 'smalldatetime', value: new Date('2024-01-02T03:04:00Z') });
    expect(p('dt2')).toEqual({ type: 'datetime2(7)', value: when });
    expect(p('dto')).toEqual({ type: 'datetimeoffset(7)', value: when });
    expect(p('da')).toEqual({ type: 'date', value: new Date('2024-01-02T00:00:00Z') });
    expect(p('t')).toEqual({ type: 'time(7)', value: new Date('1970-01-01T12:34:56.789Z') });
    expect(p('g')).toEqual({ type: 'uniqueidentifier', value: '01020304-0506-0708-090A-0B0C0D0E0F10' });
    expect(p('nul')).toEqual({ type: 'int', value: null });
    expect(p('nulb')).toEqual({ type: 'binary(10)', value: null });
    expect(req.sql).toBe('SELECT @i AS ok');
    expect(req.paramDeclarations).toContain('@from_lsn binary(10)');
    expect(req.paramDeclarations).toContain('@d decimal(18, 4)');
  });

  it('passes stored procedure calls by name with their parameters and returns the return status', async () => {
    handler = (req) => ({ resultSets: [], returnStatus: req.procedure === 'dbo.usp_check' ? 7 : 0 });
    const result = await withPool((pool) => pool.request().input('table', sql.NVarChar(128), 'dbo.Orders').execute('dbo.usp_check'));
    expect(result.returnValue).toBe(7);
    expect(server.handledRequests[0]).toMatchObject({
      kind: 'rpc',
      procedure: 'dbo.usp_check',
      sql: 'dbo.usp_check',
      params: { table: { type: 'nvarchar(128)', value: 'dbo.Orders', output: false } },
    });
  });
});

describe('errors', () => {
  it('surfaces an ERROR token as mssql RequestError with number, state, class, line, procedure and server', async () => {
    handler = () => ({ error: { number: 313, message: 'An insufficient number of arguments were supplied.', state: 3, severity: 16, line: 7, procedure: 'fn_cdc_get_all_changes_dbo_Orders' } });
    await withPool(async (pool) => {
      const error = await pool.request().query('SELECT * FROM cdc.fn_cdc_get_all_changes_dbo_Orders(@f, @t, N\'all\')').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(sql.RequestError);
      expect(error).toMatchObject({
        code: 'EREQUEST',
        number: 313,
        state: 3,
        class: 16,
        lineNumber: 7,
        procName: 'fn_cdc_get_all_changes_dbo_Orders',
        serverName: 'tds-test-server',
        message: 'An insufficient number of arguments were supplied.',
      });
      // In a batch too.
      await expect(pool.request().batch('SELECT 1/0')).rejects.toMatchObject({ number: 313 });
    });
  });

  it('reports an error after rows already sent (mid-result failure)', async () => {
    handler = () => ({
      resultSets: [{ columns: [{ name: 'x', type: 'int' }], rows: [[1], [2]] }],
      error: { number: 1205, message: 'deadlock victim', severity: 13, state: 51 },
    });
    await withPool(async (pool) => {
      await expect(pool.request().query('q')).rejects.toMatchObject({ number: 1205, class: 13 });
    });
  });

  it('answers a parameter type it cannot decode (table-valued) with error 8016 naming it, keeping the connection', async () => {
    handler = answer([{ name: 'x', type: 'int' }], [[1]]);
    await withPool(
      async (pool) => {
        const table = new sql.Table('dbo.Keys');
        table.columns.add('id', sql.Int);
        table.rows.add(1);
        await expect(pool.request().input('keys', table).query('SELECT * FROM @keys')).rejects.toMatchObject({
          number: 8016,
          message: expect.stringContaining('RPC parameter @keys: type 0xf3 is not supported'),
        });
        expect((await pool.request().query('q')).recordset).toEqual([{ x: 1 }]);
      },
      { pool: { min: 0, max: 1 } },
    );
    expect(server.handledRequests).toHaveLength(1);
  });

  it('turns a throwing handler into error 50000', async () => {
    handler = () => {
      throw new Error('no statement matches');
    };
    await withPool(async (pool) => {
      await expect(pool.request().query('SELECT nonsense')).rejects.toMatchObject({
        number: 50000,
        message: 'TDS test server handler failed: no statement matches',
      });
    });
  });
});

describe('several result sets and row counts', () => {
  const response: SqlResponse = {
    resultSets: [
      { columns: [{ name: 'a', type: 'int' }], rows: [[1], [2]] },
      { columns: [{ name: 'b', type: 'nvarchar', length: 10 }], rows: [] },
      { columns: [{ name: 'c', type: 'binary', length: 10 }, { name: 'd', type: 'bit' }], rows: [[lsn, true]] },
    ],
    rowsAffected: [5],
  };

  it('returns every result set and row count to query() (RPC: DONEINPROC per statement)', async () => {
    handler = () => response;
    const result = await withPool((pool) => pool.request().query('multi'));
    expect(result.recordsets).toHaveLength(3);
    const sets = result.recordsets as unknown as unknown[][];
    expect(sets[0]).toEqual([{ a: 1 }, { a: 2 }]);
    expect(sets[1]).toEqual([]);
    expect(sets[2]).toEqual([{ c: lsn, d: true }]);
    expect(result.rowsAffected).toEqual([2, 0, 1, 5]);
  });

  it('returns every result set and row count to batch() (DONE with MORE per statement)', async () => {
    handler = () => response;
    const result = await withPool((pool) => pool.request().batch('multi'));
    expect((result.recordsets as unknown as unknown[][]).map((s) => s.length)).toEqual([2, 0, 1]);
    expect(result.rowsAffected).toEqual([2, 0, 1, 5]);
    expect(server.handledRequests[0]?.kind).toBe('batch');
  });

  it('reports rowsAffected for a statement without a result set (UPDATE)', async () => {
    handler = () => ({ resultSets: [], rowsAffected: [3] });
    const result = await withPool((pool) => pool.request().query("UPDATE t SET x = 1"));
    expect(result.rowsAffected).toEqual([3]);
    expect(result.recordsets).toEqual([]);
  });

  it('sends a 20 000-row result across many packets of the negotiated size', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [i, `name ${i}`, lsn, i % 3 === 0 ? null : `${i}.25`]);
    handler = answer(
      [
        { name: 'id', type: 'int' },
        { name: 'name', type: 'nvarchar', length: 50 },
        { name: 'lsn', type: 'binary', length: 10 },
        { name: 'amount', type: 'decimal', precision: 10, scale: 2 },
      ],
      rows,
    );
    const before = server.stats.packetsSent;
    const result = await withPool((pool) => pool.request().query('big'));
    expect(result.recordset).toHaveLength(20_000);
    expect(result.rowsAffected).toEqual([20_000]);
    expect(result.recordset[19_999]).toEqual({ id: 19_999, name: 'name 19999', lsn, amount: 19999.25 });
    expect(result.recordset[3]).toEqual({ id: 3, name: 'name 3', lsn, amount: null });
    expect(result.recordset.every((r: { id: number }, i: number) => r.id === i)).toBe(true);
    // ~45 bytes a row → about 900 KB, so well over 200 packets of 4096 bytes.
    expect(server.stats.packetsSent - before).toBeGreaterThan(200);
  });
});

describe('pool and transactions', () => {
  it('serves concurrent requests on several pooled connections, validating each before use', async () => {
    let waiting: Array<() => void> = [];
    handler = async (req) => {
      // Hold the first two requests until both are in flight at once: proves two connections work concurrently.
      if (waiting.length < 2 && req.sql === 'q0') {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === 2) waiting.forEach((r) => r());
        });
      }
      return { resultSets: [{ columns: [{ name: 'sql', type: 'nvarchar', length: 10 }], rows: [[req.sql]] }] };
    };
    await withPool(
      async (pool) => {
        const results = await Promise.all([0, 0, 1, 2, 3, 4].map((i) => pool.request().query(`q${i}`)));
        expect(results.map((r) => (r.recordset[0] as { sql: string }).sql)).toEqual(['q0', 'q0', 'q1', 'q2', 'q3', 'q4']);
        expect(server.connectionCount).toBe(2);
      },
      { pool: { min: 0, max: 2 } },
    );
    waiting = [];
    const sessions = new Set(server.handledRequests.map((r) => r.session.id));
    expect(sessions.size).toBe(2);
    expect(server.requests.filter((r) => r.sql === 'SELECT 1;').length).toBeGreaterThanOrEqual(6);
  });

  it('runs a transaction through transaction manager requests (begin with isolation level, commit)', async () => {
    handler = answer([{ name: 'x', type: 'int' }], [[1]]);
    await withPool(async (pool) => {
      const tx = new sql.Transaction(pool);
      await tx.begin(sql.ISOLATION_LEVEL.SNAPSHOT);
      await new sql.Request(tx).query('inside');
      await tx.commit();
      await pool.request().query('after');
    });
    const [inside, after] = server.handledRequests;
    expect(inside?.session.transaction).toEqual({ depth: 1, isolationLevel: 'SNAPSHOT', name: '', startedBy: 'tm' });
    expect(after?.session.transaction).toBeUndefined();
    expect(server.transactionLog.map((e) => [e.op, e.via, e.isolationLevel, e.depth])).toEqual([
      ['begin', 'tm', 'SNAPSHOT', 1],
      ['commit', 'tm', 'SNAPSHOT', 0],
    ]);
  });

  it('rolls back a transaction manager transaction', async () => {
    handler = answer([{ name: 'x', type: 'int' }], [[1]]);
    await withPool(async (pool) => {
      const tx = new sql.Transaction(pool);
      await tx.begin();
      await new sql.Request(tx).query('inside');
      await tx.rollback();
    });
    expect(server.transactionLog.map((e) => e.op)).toEqual(['begin', 'rollback']);
    expect(server.handledRequests[0]?.session.transaction?.isolationLevel).toBe('READ COMMITTED');
  });

  it('answers BEGIN TRAN / COMMIT / ROLLBACK batches, with 3902 when nothing is open', async () => {
    handler = answer([{ name: 'x', type: 'int' }], [[1]]);
    await withPool(
      async (pool) => {
        await pool.request().batch('BEGIN TRANSACTION');
        await pool.request().batch('BEGIN TRAN inner');
        await pool.request().query('inside');
        await pool.request().batch('COMMIT TRAN inner');
        await pool.request().batch('COMMIT');
        await expect(pool.request().batch('COMMIT TRANSACTION')).rejects.toMatchObject({ number: 3902 });
        await pool.request().batch('BEGIN TRAN; ');
        await pool.request().batch('ROLLBACK');
      },
      { pool: { min: 0, max: 1 } },
    );
    expect(server.handledRequests[0]?.session.transaction).toMatchObject({ depth: 2, startedBy: 'batch' });
    expect(server.transactionLog.map((e) => `${e.op}:${e.depth}`)).toEqual(['begin:1', 'begin:2', 'commit:1', 'commit:0', 'begin:1', 'rollback:0']);
  });
});

function describeValue(v: unknown): string {
  if (Buffer.isBuffer(v)) return `<${v.length} bytes>`;
  if (typeof v === 'string') return v.length > 30 ? `'${v.slice(0, 12)}…' (${v.length})` : `'${v}'`;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}
