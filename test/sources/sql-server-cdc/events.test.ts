import { UNAVAILABLE_VALUE } from 'tributary/sources/sql-server-cdc';
import { FakeSender, ofTable, ordersTable, runCdc, startEnv, type CdcEnv, eventually } from './harness';

// Acceptance tests 1, 2, 3, 7, 17 and 20 of the research brief §8, through the real mssql driver against the TDS
// test server and the CDC simulator.
describe('SQL Server CDC source: events', () => {
  let env: CdcEnv;
  afterEach(() => env?.stop());

  it('§8.1 op mapping: insert, update, delete of one row are exactly c, u (before and after), d (before only)', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now' } });
    await run.cdc.started;
    env.sim.insert('dbo.Orders', { id: 1, customer: 'Zoë', total: '10.50' });
    env.sim.update('dbo.Orders', { id: 1 }, { total: '12.00' });
    env.sim.delete('dbo.Orders', { id: 1 });
    await eventually(() => expect(sender.delivered).toHaveLength(3));
    await run.control.drainAndShutdown();
    const [c, u, d] = sender.delivered;
    expect(sender.delivered.map((e) => e.op)).toEqual(['c', 'u', 'd']);
    expect(c).toMatchObject({ before: null, after: { id: 1, customer: 'Zoë', total: '10.50' }, key: { id: 1 } });
    expect(u).toMatchObject({ before: { id: 1, total: '10.50' }, after: { id: 1, customer: 'Zoë', total: '12.00' }, source: { operation: 4 } });
    expect(d).toMatchObject({ before: { id: 1, customer: 'Zoë', total: '12.00' }, after: null, key: { id: 1 }, source: { operation: 1 } });
    expect(sender.duplicates).toBe(0);
    for (const e of sender.delivered) {
      expect(e.id).toBe(`Sales:dbo_Orders:${e.source.commitLsn}:${e.source.seqval}:${e.op}`);
      expect(e.source).toMatchObject({ server: 'SIMULATED-SQL', database: 'Sales', schema: 'dbo', table: 'Orders', captureInstance: 'dbo_Orders', snapshot: false });
      expect(e.source.commitTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
    // Every statement the source sent is from the catalogue, and none reads with NOLOCK or opens a transaction.
    const sent = env.server.handledRequests;
    expect(sent.every((r) => r.sql.startsWith('/* tributary:'))).toBe(true);
    expect(sent.some((r) => /nolock/i.test(r.sql))).toBe(false);
    expect(env.server.transactionLog).toHaveLength(0);
  });

  it('§8.2 transaction order: one transaction over two tables gives, per table, (commit, seqval, op) order and one commit LSN', async () => {
    env = await startEnv((sim) => {
      ordersTable(sim, 'dbo.A');
      ordersTable(sim, 'dbo.B');
    });
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now' } });
    await run.cdc.started;
    const lsn = env.sim.transaction((tx) =>
      tx
        .insert('dbo.A', { id: 1, total: 1 })
        .insert('dbo.B', { id: 1, total: 1 })
        .insert('dbo.A', { id: 2, total: 2 })
        .update('dbo.A', { id: 1 }, { total: 3 })
        .insert('dbo.B', { id: 2, total: 2 }),
    )!;
    await eventually(() => expect(sender.delivered).toHaveLength(5));
    await run.control.drainAndShutdown();
    const commit = lsn.toString(16).padStart(20, '0');
    for (const table of ['dbo.A', 'dbo.B']) {
      const events = ofTable(sender.delivered, table);
      expect(events.every((e) => e.source.commitLsn === commit)).toBe(true);
      const positions = events.map((e) => `${e.source.seqval}:${e.source.operation}`);
      expect(positions).toEqual([...positions].sort());
    }
    expect(ofTable(sender.delivered, 'dbo.A').map((e) => e.op)).toEqual(['c', 'c', 'u']);
    expect(ofTable(sender.delivered, 'dbo.B').map((e) => e.op)).toEqual(['c', 'c']);
  });

  it('§8.3 primary-key update: d then c with the same commit LSN and seqval, distinct ids, both delivered', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now' } });
    await run.cdc.started;
    env.sim.insert('dbo.Orders', { id: 1, customer: 'a', total: 1 });
    env.sim.pkUpdate('dbo.Orders', { id: 1 }, { id: 2 });
    await eventually(() => expect(sender.delivered).toHaveLength(3));
    await run.control.drainAndShutdown();
    const [, d, c] = sender.delivered;
    expect([d!.op, c!.op]).toEqual(['d', 'c']);
    expect(d!.source.commitLsn).toBe(c!.source.commitLsn);
    expect(d!.source.seqval).toBe(c!.source.seqval);
    expect(d!.id).not.toBe(c!.id);
    expect(d).toMatchObject({ key: { id: 1 }, before: { id: 1, customer: 'a' } });
    expect(c).toMatchObject({ key: { id: 2 }, after: { id: 2, customer: 'a' } });
  });

  it('§8.3 a page boundary between the delete and the insert of a key update loses neither (resume on (L, S, op))', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now', pageSize: 1 } });
    await run.cdc.started;
    env.sim.insert('dbo.Orders', { id: 1, total: 1 });
    env.sim.pkUpdate('dbo.Orders', { id: 1 }, { id: 2 });
    await eventually(() => expect(sender.delivered.map((e) => e.op)).toEqual(['c', 'd', 'c']));
    await run.control.drainAndShutdown();
    const resumed = env.server.handledRequests.filter((r) => r.sql.startsWith('/* tributary:changes-after */'));
    expect(resumed.some((r) => r.params['operation']?.value === 1)).toBe(true);
  });

  it('§8.7 update pair split by a page boundary: the op 3 row is carried over and one u event has before and after', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now', pageSize: 2 } });
    await run.cdc.started;
    env.sim.transaction((tx) => tx.insert('dbo.Orders', { id: 1, total: 1 }).insert('dbo.Orders', { id: 2, total: 2 }));
    // One transaction: insert (op 2) then update (op 3 | op 4): a page of 2 ends right after the op 3 row.
    env.sim.transaction((tx) => tx.insert('dbo.Orders', { id: 3, total: 3 }).update('dbo.Orders', { id: 2 }, { total: 20 }));
    await eventually(() => expect(sender.delivered).toHaveLength(4));
    await run.control.drainAndShutdown();
    const u = sender.delivered[3]!;
    expect(u).toMatchObject({ op: 'u', before: { id: 2, total: '2.00' }, after: { id: 2, total: '20.00' } });
    const pages = env.server.handledRequests.filter((r) => r.sql.startsWith('/* tributary:changes-after */'));
    expect(pages.some((r) => r.params['operation']?.value === 3)).toBe(true); // the next page resumed after the op 3 row
  });

  it('§8.20 types round trip without loss; an unchanged varchar(max) in an update is unavailable, not NULL', async () => {
    env = await startEnv((sim) => {
      sim.createTable(
        'dbo.Types',
        [
          { name: 'id', type: 'bigint' },
          { name: 'dec', type: 'decimal', precision: 38, scale: 10 },
          { name: 'amount', type: 'money' },
          { name: 'when2', type: 'datetime2', scale: 7 },
          { name: 'whenOffset', type: 'datetimeoffset', scale: 7 },
          { name: 'legacy', type: 'datetime' },
          { name: 'day', type: 'date' },
          { name: 'clock', type: 'time', scale: 7 },
          { name: 'guid', type: 'uniqueidentifier' },
          { name: 'bytes', type: 'varbinary', length: 16 },
          { name: 'text', type: 'nvarchar', length: 50 },
          { name: 'flag', type: 'bit' },
          { name: 'ratio', type: 'float' },
          { name: 'nothing', type: 'int', nullable: true },
          { name: 'doc', type: 'varchar', length: 'max' },
          { name: 'blob', type: 'varbinary', length: 'max' },
        ],
        ['id'],
      );
      sim.enableTable('dbo.Types');
    });
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now' } });
    await run.cdc.started;
    const row = {
      id: '9223372036854775807',
      dec: '1234567890123456789012345678.0123456789',
      amount: '922337203685477.5807',
      when2: '2024-02-29T23:59:59.1234567',
      whenOffset: '2024-02-29T23:59:59.1234567+05:45',
      legacy: '2024-02-29T23:59:59.997',
      day: '2024-02-29',
      clock: '23:59:59.1234567',
      guid: '6f9619ff-8b86-d011-b42d-00c04fc964ff',
      bytes: Buffer.from([0, 1, 2, 254, 255]),
      text: 'Zoë ☕ 𝄞 漢字',
      flag: true,
      ratio: 0.1 + 0.2,
      nothing: null,
      doc: 'x'.repeat(10_000),
      blob: Buffer.alloc(9000, 7),
    };
    env.sim.insert('dbo.Types', row);
    env.sim.update('dbo.Types', { id: row.id }, { text: 'changed', blob: null });
    await eventually(() => expect(sender.delivered).toHaveLength(2));
    await run.control.drainAndShutdown();
    const [c, u] = sender.delivered;
    expect(c!.after).toEqual({
      id: '9223372036854775807',
      dec: '1234567890123456789012345678.0123456789',
      amount: '922337203685477.5807',
      when2: '2024-02-29T23:59:59.1234567',
      whenOffset: '2024-02-29T23:59:59.1234567+05:45',
      legacy: '2024-02-29T23:59:59.997',
      day: '2024-02-29',
      clock: '23:59:59.1234567',
      guid: '6F9619FF-8B86-D011-B42D-00C04FC964FF',
      bytes: Buffer.from([0, 1, 2, 254, 255]).toString('base64'),
      text: 'Zoë ☕ 𝄞 漢字',
      flag: true,
      ratio: 0.30000000000000004,
      nothing: null,
      doc: 'x'.repeat(10_000),
      blob: Buffer.alloc(9000, 7).toString('base64'),
    });
    // The before-image: the unchanged varchar(max) was not captured (NULL in op 3) — reported as unavailable; the
    // changed varbinary(max) has its old value, and the after-image has the new NULL.
    expect(u!.before).toMatchObject({ doc: UNAVAILABLE_VALUE, blob: Buffer.alloc(9000, 7).toString('base64'), text: 'Zoë ☕ 𝄞 漢字', nothing: null });
    expect(u!.after).toMatchObject({ doc: 'x'.repeat(10_000), blob: null, text: 'changed' });
    expect(u!.key).toEqual({ id: '9223372036854775807' });
  });

  it('§8.17 an oversize row (> 256 KB nvarchar(max)) arrives intact; the sender’s oversize policy applies once and the pipeline goes on', async () => {
    env = await startEnv((sim) => {
      sim.createTable('dbo.Docs', [{ name: 'id', type: 'int' }, { name: 'body', type: 'nvarchar', length: 'max' }], ['id']);
      sim.enableTable('dbo.Docs');
    });
    const sender = new FakeSender();
    sender.maxMessageBytes = 256 * 1024; // Service Bus Standard; the policy: dead-letter (record once, skip)
    const seen: string[] = [];
    sender.before = (batch) => void seen.push(...batch.map((e) => String(e.after?.['body']).length.toString()));
    const run = runCdc(env, { sender, source: { startFrom: 'now' } });
    await run.cdc.started;
    const big = 'é'.repeat(300 * 1024);
    env.sim.insert('dbo.Docs', { id: 1, body: big });
    env.sim.insert('dbo.Docs', { id: 2, body: 'small' });
    await eventually(() => expect(sender.delivered).toHaveLength(1));
    await run.control.drainAndShutdown();
    expect(seen).toEqual([String(big.length), '5']); // the source delivered the whole value (PLP chunks)
    expect(sender.deadLettered.map((e) => e.after)).toEqual([{ id: 1, body: big }]);
    expect(sender.delivered[0]!.after).toEqual({ id: 2, body: 'small' });
  });

  it('reads a page only when downstream wants more: a stuck sink holds the source to about one page in memory', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    const sender = new FakeSender();
    sender.before = () => new Promise<void>(() => undefined); // never acknowledges
    const run = runCdc(env, { sender, batch: 10, source: { startFrom: 'now', pageSize: 10 } });
    await run.cdc.started;
    env.sim.insert('dbo.Orders', Array.from({ length: 200 }, (_, i) => ({ id: i + 1 })));
    await eventually(() => expect(sender.calls).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pages = env.server.handledRequests.filter((r) => r.sql.startsWith('/* tributary:changes-')).length;
    // One page in the sender, one grouped, one in the source's buffer — not the 20 pages there are.
    expect(pages).toBeLessThanOrEqual(4);
    expect(run.cdc.stats().buffered).toBeLessThanOrEqual(10);
    await run.control.abort(new Error('test over'));
  });

  it('bounds each window to maxTransactionsPerIteration transactions (dummy mapping rows not counted)', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    for (let i = 1; i <= 6; i++) {
      env.sim.insert('dbo.Orders', { id: i });
      env.sim.runCaptureJob(); // idle scans in between: dummy rows
    }
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'retained', maxTransactionsPerIteration: 2 } });
    await eventually(() => expect(sender.delivered).toHaveLength(6));
    await run.control.drainAndShutdown();
    const windows = new Set(
      env.server.handledRequests
        .filter((r) => r.sql.startsWith('/* tributary:changes-'))
        .map((r) => (r.params['to_lsn']?.value as Buffer).toString('hex')),
    );
    expect(windows.size).toBeGreaterThanOrEqual(3); // 6 transactions, 2 per window
    expect(env.server.handledRequests.some((r) => r.sql.startsWith('/* tributary:transaction-cap */'))).toBe(true);
  });
});
