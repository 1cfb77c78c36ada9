import { readStreamContext } from 'tributary/hosting';
import { entityName, SECRETS, SqlServerCdcStreamSpec } from '../../examples/sqlserver-cdc-to-servicebus/spec';
import { TableFilter } from '../../sources/sql-server-cdc/table-selection';

const minimal = { database: 'shop', tables: ['dbo.orders'] };

/** Reads the context the way the job does, from the operator's variables. */
function context(spec: unknown, env: Record<string, string> = {}) {
  return readStreamContext({
    schema: SqlServerCdcStreamSpec,
    env: { STREAMCONTEXT__SPEC: JSON.stringify(spec), STREAMCONTEXT__BACKFILL: 'false', STREAMCONTEXT__STREAM_ID: 'shop-orders', ...env },
    argv: [],
    hostName: 'pod-1',
  });
}

describe('the SQL Server CDC → Service Bus spec', () => {
  it('needs only the database and the tables; everything else has a default', () => {
    expect(SqlServerCdcStreamSpec.parse(minimal)).toEqual({
      database: 'shop',
      tables: ['dbo.orders'],
      startFrom: 'initial',
      polling: { pollIntervalMs: 500, maxPollIntervalMs: 5_000, maxTransactionsPerIteration: 500, pageSize: 1_000 },
      batching: { maxBatchDelayMs: 50, maxInFlightBatches: 1 },
      serviceBus: {
        entity: '{schema}.{table}',
        sessionKey: { mode: 'none' },
        duplicateDetection: { enabled: true, windowMs: 600_000 },
      },
      checkpoint: { container: 'stream-state', blobPrefix: 'checkpoints/', leaseDurationSeconds: 60 },
    });
  });

  it('takes tables as a list or as include/exclude patterns', () => {
    expect(SqlServerCdcStreamSpec.parse({ ...minimal, tables: { include: ['sales.*'] } }).tables).toEqual({ include: ['sales.*'], exclude: [] });
  });

  it('ignores the fields the operator adds, and refuses a misspelt nested field, naming it', () => {
    const spec = SqlServerCdcStreamSpec.parse({ ...minimal, jobTemplateRef: { name: 'sqlserver-cdc-stream' } });
    expect(spec).not.toHaveProperty('jobTemplateRef');
    expect(() => context({ ...minimal, polling: { pollIntervalMS: 100 } })).toThrow(
      /invalid spec \(STREAMCONTEXT__SPEC\): field "polling" .*Unrecognized key: "pollIntervalMS"/,
    );
  });

  it('fails start-up with one line naming the field and what was expected', () => {
    expect(() => context({ ...minimal, checkpoint: { leaseDurationSeconds: 5 } })).toThrow(
      /field "checkpoint\.leaseDurationSeconds" = 5 is invalid: Too small: expected number to be >=15/,
    );
    expect(() => context({ ...minimal, serviceBus: { sessionKey: { mode: 'column' } } })).toThrow(
      /field "serviceBus\.sessionKey\.column" .*column is required when mode is "column"/,
    );
    expect(() => context({ ...minimal, serviceBus: { entity: 'changes-{tabel}' } })).toThrow(/field "serviceBus\.entity" = "changes-\{tabel\}"/);
  });

  it('reads the connection strings from the environment, never from the spec', () => {
    const ctx = context(minimal, { SQL_CONNECTION: 'Server=db;Password=p' });
    expect(ctx.secret(SECRETS.sql)).toBe('Server=db;Password=p');
    expect(() => ctx.secret(SECRETS.serviceBus)).toThrow('secret SERVICEBUS_CONNECTION is missing');
    expect(Object.values(SECRETS)).toEqual(['SQL_CONNECTION', 'SERVICEBUS_CONNECTION', 'STORAGE_CONNECTION']);
  });
});

describe('tables', () => {
  it('accepts the forms the CDC source takes, and its filter selects what the spec says', () => {
    const tables = SqlServerCdcStreamSpec.parse({ ...minimal, tables: { include: ['dbo.*', 'Customers', '[sales].[order lines]'], exclude: ['dbo.*_archive'] } }).tables;
    const filter = new TableFilter(tables);
    expect(['dbo.orders', 'DBO.Customers', 'dbo.orders_archive', 'sales.order lines', 'hr.people'].filter((t) => filter.matches(t))).toEqual([
      'dbo.orders',
      'DBO.Customers',
      'sales.order lines',
    ]);
  });

  it.each([['a.b.c'], ['dbo. orders'], [''], ['[dbo].orders']])('refuses %j, saying what a table looks like', (table) => {
    const result = SqlServerCdcStreamSpec.safeParse({ ...minimal, tables: [table] });
    expect(result.error?.issues[0]?.message).toMatch(/expected "schema\.table" or "table" \(schema dbo\)/);
  });
});

describe('entityName', () => {
  const orders = { database: 'shop', schema: 'dbo', table: 'orders' };

  it('fills in the placeholders, or keeps a fixed name', () => {
    expect(entityName('{schema}.{table}-changes', orders)).toBe('dbo.orders-changes');
    expect(entityName('{database}/{schema}.{table}', orders)).toBe('shop/dbo.orders');
    expect(entityName('all-changes', orders)).toBe('all-changes');
  });

  it('refuses a name Service Bus would refuse, naming the table and the template', () => {
    expect(() => entityName('{table}', { ...orders, table: 'order lines' })).toThrow(
      'serviceBus.entity "{table}" gives "order lines" for shop.dbo.order lines, which is not a valid Service Bus entity name',
    );
    expect(() => entityName('{table}-', orders)).toThrow(/starting and ending with a letter or digit/);
  });
});
