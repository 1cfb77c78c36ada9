// tedious 19.2.2 as mssql 12.7.14 ships it (the top-level `tedious` in node_modules is another version).
import { Connection, Request, TYPES, type ConnectionConfiguration } from 'mssql/node_modules/tedious';
import { TdsTestServer } from '../support/tds';

/**
 * Protocol paths mssql does not reach on its own, driven through tedious directly: connection reset
 * (RESETCONNECTION status bit → ENVCHANGE 18), the session state it clears, and the `resetConnection` event.
 */

let server: TdsTestServer;

beforeAll(async () => {
  server = await TdsTestServer.start({
    handler: () => ({ resultSets: [{ columns: [{ name: 'x', type: 'int' }], rows: [[1]] }] }),
  });
});
afterAll(async () => {
  await server.stop();
});

function connect(): Promise<Connection> {
  const c = server.connectionConfig('Sales');
  const config: ConnectionConfiguration = {
    server: c.server,
    authentication: { type: 'default', options: { userName: c.user, password: c.password } },
    options: { port: c.port, database: c.database, encrypt: false, trustServerCertificate: true },
  };
  const connection = new Connection(config);
  return new Promise((resolve, reject) => {
    connection.connect((err) => (err ? reject(err) : resolve(connection)));
  });
}

function exec(connection: Connection, sqlText: string, batch = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = new Request(sqlText, (err, rowCount) => (err ? reject(err) : resolve(rowCount ?? 0)));
    if (batch) connection.execSqlBatch(request);
    else {
      request.addParameter('p', TYPES.Int, 1);
      connection.execSql(request);
    }
  });
}

function close(connection: Connection): Promise<void> {
  return new Promise((resolve) => {
    connection.on('end', () => resolve());
    connection.close();
  });
}

it('reset connection rolls back the open transaction and restores the login database', async () => {
  const connection = await connect();
  try {
    await exec(connection, 'BEGIN TRANSACTION', true);
    await exec(connection, 'USE [Other]', true);
    await exec(connection, 'SELECT @p');
    let resetAcknowledged = false;
    connection.on('resetConnection', () => {
      resetAcknowledged = true;
    });
    await new Promise<void>((resolve, reject) => connection.reset((err) => (err ? reject(err) : resolve())));
    await exec(connection, 'SELECT @p');
    expect(resetAcknowledged).toBe(true);
    const [before, after] = server.handledRequests.slice(-2);
    expect(before).toMatchObject({ database: 'Other', session: { transaction: { depth: 1, startedBy: 'batch' } } });
    expect(after).toMatchObject({ database: 'Sales', session: { transaction: undefined } });
    expect(server.transactionLog.slice(-2).map((e) => e.op)).toEqual(['begin', 'rollback']);
  } finally {
    await close(connection);
  }
});

it('tedious beginTransaction / commitTransaction go through transaction manager requests', async () => {
  const connection = await connect();
  try {
    await new Promise<void>((resolve, reject) => connection.beginTransaction((err) => (err ? reject(err) : resolve()), 'cdc_read', 4));
    await exec(connection, 'SELECT @p');
    await new Promise<void>((resolve, reject) => connection.commitTransaction((err) => (err ? reject(err) : resolve()), 'cdc_read'));
    expect(server.handledRequests.at(-1)?.session.transaction).toEqual({ depth: 1, isolationLevel: 'SERIALIZABLE', name: 'cdc_read', startedBy: 'tm' });
    expect(server.transactionLog.slice(-2).map((e) => [e.op, e.via, e.name])).toEqual([
      ['begin', 'tm', 'cdc_read'],
      ['commit', 'tm', 'cdc_read'],
    ]);
  } finally {
    await close(connection);
  }
});
