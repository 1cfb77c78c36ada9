import { Statements, type Statement } from 'tributary/sources/sql-server-cdc';
import { CdcSimulator, lsnHex } from '../../support/cdc-simulator';
import type { SqlRequest, SqlResponse } from '../../support/tds';

/** A request as the TDS server would hand it over (parameters decoded). */
function request(s: Statement | string, database = 'Sales'): SqlRequest {
  const statement = typeof s === 'string' ? { sql: s, params: [] } : s;
  return {
    kind: 'rpc',
    sql: statement.sql,
    params: Object.fromEntries(statement.params.map((p) => [p.name, { type: p.type, value: p.value, output: false }])),
    database,
    session: { id: 51, user: 'sa', appName: 'test', hostName: 'h', database, packetSize: 4096, clientRequestedEncryption: false, isolationLevel: 'read committed', transaction: undefined, requestCount: 0 },
    answeredBy: 'handler',
  };
}

async function ask(sim: CdcSimulator, s: Statement | string): Promise<unknown[][]> {
  const res: SqlResponse = await sim.handler(request(s));
  if ('error' in res && res.error) throw Object.assign(new Error(res.error.message), { number: res.error.number });
  return [...((res as unknown as { resultSets: { rows: unknown[][] }[] }).resultSets[0]!.rows as unknown[][])];
}

const hex = (b: unknown): string | null => (Buffer.isBuffer(b) ? b.toString('hex') : null);

function orders(sim: CdcSimulator): void {
  sim.createTable(
    'dbo.Orders',
    [
      { name: 'id', type: 'int' },
      { name: 'note', type: 'nvarchar', length: 'max' },
      { name: 'total', type: 'decimal', precision: 10, scale: 2 },
    ],
    ['id'],
  );
}

const cols = [
  { name: 'id', type: 'int' },
  { name: 'note', type: 'nvarchar' },
  { name: 'total', type: 'decimal' },
];

describe('the CDC simulator', () => {
  it('has no max LSN before the capture job ran, then dummy rows while idle keep it moving', async () => {
    const sim = new CdcSimulator();
    orders(sim);
    sim.enableTable('dbo.Orders');
    expect((await ask(sim, Statements.maxLsn()))[0]![0]).toBeNull();
    sim.runCaptureJob();
    const first = hex((await ask(sim, Statements.maxLsn()))[0]![0])!;
    sim.runCaptureJob();
    const second = hex((await ask(sim, Statements.maxLsn()))[0]![0])!;
    expect(second > first).toBe(true);
    // Dummy rows (tran_id 0x00) are not transactions.
    expect(await ask(sim, Statements.transactionCap(first, 10))).toEqual([[0, null]]);
    const lsn = sim.insert('dbo.Orders', { id: 1, total: 1 })!;
    expect(await ask(sim, Statements.transactionCap(first, 10))).toEqual([[1, Buffer.from(lsnHex(lsn), 'hex')]]);
  });

  it('captures ops 1–4 with update masks; an unchanged (max) column is NULL in the before-image; a key update is 1 + 2 with one seqval', async () => {
    const sim = new CdcSimulator();
    orders(sim);
    const ci = sim.enableTable('dbo.Orders');
    sim.insert('dbo.Orders', { id: 1, note: 'long', total: '1.5' });
    sim.update('dbo.Orders', { id: 1 }, { total: 2 });
    sim.pkUpdate('dbo.Orders', { id: 1 }, { id: 2 });
    sim.delete('dbo.Orders', { id: 2 });
    expect(ci.changes.map((c) => [c.op, c.mask.toString('hex'), c.values])).toEqual([
      [2, '07', [1, 'long', '1.50']],
      [3, '04', [1, null, '1.50']],
      [4, '04', [1, 'long', '2.00']],
      [1, '07', [1, 'long', '2.00']],
      [2, '07', [2, 'long', '2.00']],
      [1, '07', [2, 'long', '2.00']],
    ]);
    expect(ci.changes[1]!.seqval).toBe(ci.changes[2]!.seqval);
    expect(ci.changes[3]!.seqval).toBe(ci.changes[4]!.seqval);
    expect(ci.changes[3]!.lsn).toBe(ci.changes[4]!.lsn);
  });

  it('serves changes in (LSN, seqval, op) order within [from, to]; 313 outside [start_lsn, max]; 208 missing; 229 denied', async () => {
    const sim = new CdcSimulator();
    orders(sim);
    const ci = sim.enableTable('dbo.Orders');
    const a = sim.begin().insert('dbo.Orders', { id: 1 });
    const b = sim.begin().insert('dbo.Orders', { id: 2 });
    a.insert('dbo.Orders', { id: 3 });
    const lb = b.commit()!;
    const la = a.commit()!;
    const start = lsnHex(ci.startLsn);
    const max = lsnHex(sim.maxLsn()!);
    const rows = await ask(sim, Statements.changesFrom('dbo_Orders', cols, { from: start, to: max, page: 10 }));
    expect(rows.map((r) => [hex(r[0]), r[5]])).toEqual([
      [lsnHex(lb), 2],
      [lsnHex(la), 1],
      [lsnHex(la), 3],
    ]);
    const after = await ask(sim, Statements.changesAfter('dbo_Orders', cols, { from: start, to: max, page: 10, after: { lsn: lsnHex(la), seqval: hex(rows[1]![1])!, op: 2 } }));
    expect(after.map((r) => r[5])).toEqual([3]);
    const below = lsnHex(ci.startLsn - 1n);
    await expect(ask(sim, Statements.changesFrom('dbo_Orders', cols, { from: below, to: max, page: 10 }))).rejects.toMatchObject({ number: 313 });
    await expect(ask(sim, Statements.changesFrom('dbo_Orders', cols, { from: start, to: lsnHex(sim.maxLsn()! + 1n), page: 10 }))).rejects.toMatchObject({ number: 313 });
    await expect(ask(sim, Statements.changesFrom('dbo_Nope', cols, { from: start, to: max, page: 10 }))).rejects.toMatchObject({ number: 208 });
    sim.revokeAccess('dbo_Orders');
    await expect(ask(sim, Statements.changesFrom('dbo_Orders', cols, { from: start, to: max, page: 10 }))).rejects.toMatchObject({ number: 229 });
    expect(hex((await ask(sim, Statements.minLsn('dbo_Orders')))[0]![0])).toBe('00000000000000000000');
    expect(hex((await ask(sim, Statements.minLsn('dbo_Missing')))[0]![0])).toBe('00000000000000000000');
  });

  it('increments LSNs, compares them bytewise, and rejects SQL that differs from the catalogue', async () => {
    const sim = new CdcSimulator();
    expect(hex((await ask(sim, Statements.incrementLsn('0000002a0000010000ff')))[0]![0])).toBe('0000002a000001000100');
    expect('0000002a000001000100' > '0000002a0000010000ff').toBe(true);
    await expect(ask(sim, Statements.maxLsn().sql.replace('max_lsn,', 'max_lsn ,'))).rejects.toThrow(/differs from the catalogue/);
    await expect(ask(sim, 'SELECT * FROM cdc.dbo_Orders_CT WITH (NOLOCK)')).rejects.toMatchObject({ number: 102 });
  });

  it('cleanup moves start_lsn up and removes change rows and mapping rows below the low-water mark', async () => {
    let now = Date.parse('2024-01-01T00:00:00Z');
    const sim = new CdcSimulator({ now: () => now });
    orders(sim);
    const ci = sim.enableTable('dbo.Orders');
    sim.insert('dbo.Orders', { id: 1 });
    now += 60 * 60_000;
    const second = sim.insert('dbo.Orders', { id: 2 })!;
    now += 10 * 60_000;
    const lwm = sim.runCleanup(30); // keep 30 minutes: the first transaction goes
    expect(lwm).toBe(second); // the first transaction young enough to keep
    expect(ci.startLsn).toBe(lwm);
    expect(ci.changes.map((c) => c.values[0])).toEqual([2]);
    const listed = await ask(sim, Statements.captureInstances());
    expect(hex(listed[0]![5])).toBe(lsnHex(lwm!));
    expect(hex(listed[0]![7])).toBe(lsnHex(lwm!)); // fn_cdc_get_min_lsn follows start_lsn
    sim.cleanupChangeTable('dbo_Orders', second + 1n);
    expect(ci.changes).toEqual([]);
  });

  it('keeps a capture instance’s shape when columns are added, allows two instances per table and no third', async () => {
    const sim = new CdcSimulator();
    orders(sim);
    const v1 = sim.enableTable('dbo.Orders');
    sim.addColumn('dbo.Orders', { name: 'extra', type: 'int' });
    const v2 = sim.enableTable('dbo.Orders', { captureInstance: 'dbo_Orders_v2' });
    expect(() => sim.enableTable('dbo.Orders', { captureInstance: 'v3' })).toThrow(/two capture instances/);
    sim.insert('dbo.Orders', { id: 1, extra: 5 });
    expect(v1.changes[0]!.values).toEqual([1, null, null]);
    expect(v2.changes[0]!.values).toEqual([1, null, null, 5]);
    expect((await ask(sim, Statements.capturedColumns())).filter((r) => r[0] === v2.objectId).map((r) => [r[1], r[2], r[5]])).toEqual([
      ['id', 1, 0],
      ['note', 2, -1],
      ['total', 3, 0],
      ['extra', 4, 0],
    ]);
  });
});
