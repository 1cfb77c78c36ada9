import sql from 'mssql';
import { eventually } from '../support/eventually';
import { TdsTestServer, type SqlHandler } from '../support/tds';

/**
 * The TDS test server's streaming, backpressure, cancellation and fault injection, through the real mssql client.
 */

let server: TdsTestServer;
let handler: SqlHandler = () => ({ resultSets: [] });

beforeAll(async () => {
  server = await TdsTestServer.start({ handler: (req) => handler(req) });
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  server.faults.reset();
  server.clearLogs();
  handler = () => ({ resultSets: [{ columns: [{ name: 'x', type: 'int' }], rows: [[1]] }] });
});

async function openPool(config: Partial<sql.config> = {}): Promise<sql.ConnectionPool> {
  return new sql.ConnectionPool({ ...server.connectionConfig('Sales'), pool: { min: 0, max: 1 }, ...config } as sql.config).connect();
}

/** A handler streaming `total` rows from a generator, counting how many the server has pulled. */
function streamingHandler(total: number): { handler: SqlHandler; pulled: () => number } {
  let pulled = 0;
  const payload = 'x'.repeat(80);
  return {
    pulled: () => pulled,
    handler: () => ({
      resultSets: [
        {
          columns: [
            { name: 'i', type: 'int' },
            { name: 's', type: 'nvarchar', length: 100 },
          ],
          rows: (function* () {
            for (let i = 0; i < total; i++) {
              pulled++;
              yield [i, payload];
            }
          })(),
        },
      ],
    }),
  };
}

async function one(pool: sql.ConnectionPool): Promise<unknown> {
  return (await pool.request().query('q')).recordset;
}

describe('streaming and backpressure', () => {
  it('streams rows to request.stream = true; a paused client stops the server pulling rows until it resumes', async () => {
    const total = 200_000;
    const source = streamingHandler(total);
    handler = source.handler;
    const pool = await openPool();
    try {
      const request = pool.request();
      request.stream = true;
      let received = 0;
      let inOrder = true;
      let pulledWhileBlocked = -1;
      const done = new Promise<void>((resolve, reject) => {
        request.on('row', (row: { i: number }) => {
          inOrder &&= row.i === received;
          received++;
          if (received === 1) {
            request.pause();
            // The server keeps writing until the socket buffers fill, then waits for drain: it stops pulling rows.
            eventually(() => server.stats.responsesBlocked === 1)
              .then(() => {
                pulledWhileBlocked = source.pulled();
                request.resume();
              })
              .catch(reject);
          }
        });
        request.on('error', reject);
        request.on('done', () => resolve());
      });
      void request.query('SELECT big');
      await done;
      expect(received).toBe(total);
      expect(inOrder).toBe(true);
      // Blocked with most of the result still unproduced: the server buffers a bounded amount (socket buffers),
      // not the whole result (200 000 rows × ~170 bytes ≈ 34 MB).
      expect(pulledWhileBlocked).toBeGreaterThan(0);
      expect(pulledWhileBlocked).toBeLessThan(total / 2);
      expect(server.stats.drainWaits).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('streams an async iterable of rows, emitting recordset, row and done events', async () => {
    handler = () => ({
      resultSets: [
        {
          columns: [{ name: 'n', type: 'bigint' }],
          rows: (async function* () {
            for (let i = 0; i < 1000; i++) yield [BigInt(i) * 1_000_000_000_000n];
          })(),
        },
      ],
    });
    const pool = await openPool();
    try {
      const request = pool.request();
      request.stream = true;
      const events: string[] = [];
      const rows: string[] = [];
      await new Promise<void>((resolve, reject) => {
        request.on('recordset', () => events.push('recordset'));
        request.on('row', (row: { n: string }) => rows.push(row.n));
        request.on('rowsaffected', (n: number) => events.push(`rowsaffected ${n}`));
        request.on('error', reject);
        request.on('done', () => resolve());
        void request.query('q');
      });
      expect(events).toEqual(['recordset', 'rowsaffected 1000']);
      expect(rows[999]).toBe('999000000000000');
    } finally {
      await pool.close();
    }
  });
});

describe('attention (cancel, request timeout)', () => {
  it('cancels a streaming result mid-way; the connection stays usable', async () => {
    const source = streamingHandler(200_000);
    handler = source.handler;
    const pool = await openPool();
    try {
      const request = pool.request();
      request.stream = true;
      let received = 0;
      const outcome = await new Promise<unknown>((resolve) => {
        request.on('row', () => {
          received++;
          if (received === 1000) request.cancel();
        });
        request.on('error', resolve);
        request.on('done', () => resolve('done'));
        void request.query('SELECT big');
      });
      expect(outcome).toMatchObject({ code: 'ECANCEL' });
      expect(source.pulled()).toBeLessThan(200_000);
      handler = () => ({ resultSets: [{ columns: [{ name: 'x', type: 'int' }], rows: [[1]] }] });
      expect(await one(pool)).toEqual([{ x: 1 }]);
      expect(server.connectionCount).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('answers a request timeout (attention during a slow reply) promptly and keeps the connection', async () => {
    server.faults.delayResponsesMs(10_000);
    const pool = await openPool({ requestTimeout: 200 });
    try {
      const started = Date.now();
      await expect(pool.request().query('slow')).rejects.toMatchObject({ code: 'ETIMEOUT' });
      expect(Date.now() - started).toBeLessThan(5_000);
      server.faults.delayResponsesMs(0);
      expect(await one(pool)).toEqual([{ x: 1 }]);
      const sessions = new Set(server.requests.filter((r) => r.sql === 'slow' || r.sql === 'q').map((r) => r.session.id));
      expect(sessions.size).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('cuts a slow handler short on cancel', async () => {
    let release: () => void = () => undefined;
    handler = () =>
      new Promise((resolve) => {
        release = () => resolve({ resultSets: [{ columns: [{ name: 'x', type: 'int' }], rows: [[2]] }] });
      });
    const pool = await openPool();
    try {
      const request = pool.request();
      const pending = request.query('slow handler');
      await eventually(() => server.handledRequests.length === 1);
      request.cancel();
      await expect(pending).rejects.toMatchObject({ code: 'ECANCEL' });
      release();
      handler = () => ({ resultSets: [{ columns: [{ name: 'x', type: 'int' }], rows: [[3]] }] });
      expect(await one(pool)).toEqual([{ x: 3 }]);
    } finally {
      await pool.close();
    }
  });
});

describe('faults', () => {
  it('failLogin: the next login fails with 18456 (ConnectionError ELOGIN), the one after succeeds', async () => {
    server.faults.failLogin(1);
    const numbers: number[] = [];
    const failing = new sql.ConnectionPool({
      ...server.connectionConfig('Sales'),
      // tedious's ConnectionError drops the number; its errorMessage event shows what the server sent.
      beforeConnect: (connection) => connection.on('errorMessage', (token: { number: number }) => numbers.push(token.number)),
    });
    const error = await failing.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(sql.ConnectionError);
    expect(error).toMatchObject({ code: 'ELOGIN', message: "Login failed for user 'sa'." });
    expect(numbers).toEqual([18456]);
    await failing.close();
    const pool = await openPool();
    expect(await one(pool)).toEqual([{ x: 1 }]);
    await pool.close();
    expect(server.stats.failedLogins).toBeGreaterThanOrEqual(1);
  });

  it('failLogin with a transient number (40613): tedious retries the login by itself and connects', async () => {
    const before = server.stats;
    server.faults.failLogin(1, 40613);
    const pool = await openPool({ options: { encrypt: false, connectionRetryInterval: 50 } } as Partial<sql.config>);
    expect(await one(pool)).toEqual([{ x: 1 }]);
    await pool.close();
    expect(server.stats.failedLogins - before.failedLogins).toBe(1);
    expect(server.stats.logins - before.logins).toBeGreaterThanOrEqual(2);
  });

  it('failNext: injects SQL Server errors (40613, 1205) into matching requests only, then recovers', async () => {
    server.faults.failNext(40613, 1);
    server.faults.failNext(1205, 2, (req) => req.sql.includes('fn_cdc_get_all_changes'));
    const pool = await openPool();
    try {
      await expect(pool.request().query('SELECT other')).rejects.toMatchObject({
        number: 40613,
        class: 17,
        message: "Database 'Sales' on server 'tds-test-server' is not currently available. Please retry the connection later.",
      });
      expect(await one(pool)).toEqual([{ x: 1 }]);
      const changes = (): Promise<unknown> => pool.request().query('SELECT * FROM cdc.fn_cdc_get_all_changes_dbo_Orders(@f, @t, N\'all\')');
      await expect(changes()).rejects.toMatchObject({ number: 1205, class: 13, state: 51, message: expect.stringContaining('deadlock victim') });
      await expect(changes()).rejects.toMatchObject({ number: 1205 });
      await expect(changes()).resolves.toMatchObject({ recordset: [{ x: 1 }] });
      expect(server.requests.filter((r) => r.answeredBy === 'fault').map((r) => r.sql.slice(0, 12))).toEqual([
        'SELECT other',
        'SELECT * FRO',
        'SELECT * FRO',
      ]);
    } finally {
      await pool.close();
    }
  });

  it('dropSocketMidResult: the client sees the connection fail mid-result; the pool reconnects', async () => {
    handler = () => ({
      resultSets: [{ columns: [{ name: 'i', type: 'int' }], rows: Array.from({ length: 5000 }, (_, i) => [i]) }],
    });
    server.faults.dropSocketMidResult(1, 1000);
    const pool = await openPool();
    try {
      const request = pool.request();
      request.stream = true;
      let received = 0;
      const outcome = await new Promise<unknown>((resolve) => {
        request.on('row', () => received++);
        request.on('error', resolve);
        request.on('done', () => resolve('done'));
        void request.query('SELECT rows');
      });
      expect(outcome).toBeInstanceOf(Error);
      expect(received).toBeLessThanOrEqual(1000);
      const again = await pool.request().query('SELECT rows');
      expect(again.recordset).toHaveLength(5000);
      const sessions = new Set(server.handledRequests.map((r) => r.session.id));
      expect(sessions.size).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('delayResponsesMs: replies wait, pool validation does not', async () => {
    const pool = await openPool();
    try {
      server.faults.delayResponsesMs(150);
      const started = Date.now();
      expect(await one(pool)).toEqual([{ x: 1 }]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await pool.close();
    }
  });

  it('closeAllConnections: open connections die; the pool replaces them', async () => {
    const pool = await openPool();
    try {
      expect(await one(pool)).toEqual([{ x: 1 }]);
      const firstSession = server.handledRequests[0]?.session.id;
      server.faults.closeAllConnections();
      await eventually(() => server.connectionCount === 0);
      expect(await one(pool)).toEqual([{ x: 1 }]);
      expect(server.handledRequests[1]?.session.id).not.toBe(firstSession);
    } finally {
      await pool.close();
    }
  });

  it('closes the connection after an error of severity 20 or more, as SQL Server does', async () => {
    handler = () => ({ error: { number: 2745, message: 'fatal', severity: 20 } });
    const pool = await openPool();
    try {
      await expect(pool.request().query('fatal')).rejects.toMatchObject({ number: 2745, class: 20 });
      await eventually(() => server.connectionCount === 0);
      handler = () => ({ resultSets: [{ columns: [{ name: 'x', type: 'int' }], rows: [[1]] }] });
      expect(await one(pool)).toEqual([{ x: 1 }]);
    } finally {
      await pool.close();
    }
  });
});
