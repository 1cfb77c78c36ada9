import { CdcCaptureInstanceError, CdcDataLossError, CdcNotEnabledError, compareLsn } from 'tributary/sources/sql-server-cdc';
import { lsnHex } from '../../support/cdc-simulator';
import { checkpointOf, FakeSender, ordersTable, runCdc, startEnv, type CdcEnv, eventually } from './harness';

// Acceptance tests 8, 9, 10 and 11 of the research brief §8 (F3–F7).
describe('SQL Server CDC source: retention, cleanup and capture health', () => {
  let env: CdcEnv;
  afterEach(() => env?.stop());

  it('§8.8 idle advancement: a quiet table’s checkpoint follows the max LSN while another table changes (F4)', async () => {
    env = await startEnv((sim) => {
      ordersTable(sim, 'dbo.X');
      ordersTable(sim, 'dbo.Y');
    });
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now' } });
    await run.cdc.started;
    for (let i = 1; i <= 5; i++) env.sim.insert('dbo.Y', { id: i, total: i });
    await eventually(() => expect(sender.delivered).toHaveLength(5));
    env.sim.runCaptureJob(); // an idle scan: a dummy mapping row, the max LSN moves on
    const max = lsnHex(env.sim.maxLsn()!);
    await eventually(async () => {
      const doc = await checkpointOf(env);
      expect(doc?.instances['dbo_X']?.position).toEqual({ kind: 'through', lsn: max });
      expect(doc?.instances['dbo_Y']?.position).toEqual({ kind: 'through', lsn: max });
    });
    await run.control.drainAndShutdown();
    expect(sender.delivered.every((e) => e.source.table === 'Y')).toBe(true);
  });

  it('§8.9 cleanup passed the checkpoint while stopped: the source refuses with CdcDataLossError; nothing is skipped (F3)', async () => {
    env = await startEnv((sim) => ordersTable(sim, 'dbo.X'));
    const sender = new FakeSender();
    const first = runCdc(env, { sender, source: { startFrom: 'now' } });
    await first.cdc.started;
    env.sim.insert('dbo.X', { id: 1, total: 1 });
    await eventually(() => expect(sender.delivered).toHaveLength(1));
    await first.control.drainAndShutdown();
    const checkpoint = (await checkpointOf(env))!.instances['dbo_X']!.position;

    env.sim.insert('dbo.X', { id: 2, total: 2 });
    const beyond = env.sim.insert('dbo.X', { id: 3, total: 3 })!;
    env.sim.cleanupChangeTable('dbo_X', beyond); // sp_cdc_cleanup_change_table @low_water_mark = beyond the checkpoint
    const second = runCdc(env, { sender });
    const error = await second.control.streamCompletion.catch((e: unknown) => e);
    const loss = (error as { cause?: unknown }).cause;
    expect(loss).toBeInstanceOf(CdcDataLossError);
    expect(loss).toMatchObject({ captureInstance: 'dbo_X', minLsn: lsnHex(beyond) });
    expect((loss as Error).message).toMatch(/CDC data loss in database 'Sales', capture instance 'dbo_X'.*onDataLoss: 'resnapshot'/);
    expect(sender.delivered).toHaveLength(1); // row 3 (still retained) was not delivered past the gap
    expect((await checkpointOf(env))!.instances['dbo_X']!.position).toEqual(checkpoint);
  });

  it('§8.9 with onDataLoss: resnapshot the table is read again (r events), then streaming goes on', async () => {
    env = await startEnv((sim) => ordersTable(sim, 'dbo.X'));
    const sender = new FakeSender();
    const first = runCdc(env, { sender, source: { startFrom: 'now' } });
    await first.cdc.started;
    env.sim.insert('dbo.X', { id: 1, total: 1 });
    await eventually(() => expect(sender.delivered).toHaveLength(1));
    await first.control.drainAndShutdown();
    env.sim.insert('dbo.X', { id: 2, total: 2 });
    env.sim.update('dbo.X', { id: 1 }, { total: 10 });
    env.sim.cleanupChangeTable('dbo_X', env.sim.maxLsn()! + 1n);

    const second = runCdc(env, { sender, source: { onDataLoss: 'resnapshot' } });
    await eventually(() => expect(sender.delivered.filter((e) => e.op === 'r')).toHaveLength(2));
    env.sim.insert('dbo.X', { id: 3, total: 3 });
    await eventually(() => expect(sender.delivered).toHaveLength(4));
    await second.control.drainAndShutdown();
    expect(sender.delivered.slice(1).map((e) => [e.op, e.after])).toEqual([
      ['r', { id: 1, customer: null, total: '10.00' }],
      ['r', { id: 2, customer: null, total: '2.00' }],
      ['c', { id: 3, customer: null, total: '3.00' }],
    ]);
    expect(second.notifications.map((n) => n.kind)).toEqual(expect.arrayContaining(['data-loss-resnapshot', 'snapshot-started', 'snapshot-completed']));
    expect((await checkpointOf(env))!.snapshot).toMatchObject({ status: 'done', reason: 'data-loss' });
  });

  it('§8.9 cleanup overtaking a running source is detected before the next window (F3/F7)', async () => {
    env = await startEnv((sim) => ordersTable(sim, 'dbo.X'));
    const sender = new FakeSender();
    let hold: Promise<void> | undefined;
    let release!: () => void;
    sender.before = () => hold;
    const run = runCdc(env, { sender, batch: 1, source: { startFrom: 'now', pageSize: 2 } });
    await run.cdc.started;
    hold = new Promise<void>((r) => (release = r));
    env.sim.insert('dbo.X', [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }]);
    await eventually(() => expect(sender.calls).toBe(1)); // the first page is stuck in the sender
    env.sim.cleanupChangeTable('dbo_X', env.sim.maxLsn()! + 1n); // cleanup removes the rest of the transaction
    release();
    const error = await run.control.streamCompletion.catch((e: unknown) => e);
    expect((error as { cause?: unknown }).cause).toBeInstanceOf(CdcDataLossError);
    // The window's next page hit Msg 313 (from below the new min LSN), classified as data loss.
    expect(env.server.requests.some((r) => r.answeredBy === 'handler' && r.sql.startsWith('/* tributary:changes-after'))).toBe(true);
    expect(sender.delivered.length).toBeLessThan(5);
  });

  it('§8.10 min LSN zero: a login without access to the capture instance gets an explicit error (F5)', async () => {
    env = await startEnv((sim) => ordersTable(sim, 'dbo.X'));
    env.sim.revokeAccess('dbo_X');
    const run = runCdc(env, { sender: new FakeSender() });
    const error = await run.control.streamCompletion.catch((e: unknown) => e);
    const cause = (error as { cause?: unknown }).cause;
    expect(cause).toBeInstanceOf(CdcCaptureInstanceError);
    expect((cause as Error).message).toMatch(/sys\.fn_cdc_get_min_lsn\(N'dbo_X'\) returned 0x00000000000000000000 .* gating role/);
  });

  it('§8.10 a named table without a capture instance, or CDC off on the database, fails with the command to run', async () => {
    env = await startEnv((sim) => ordersTable(sim, 'dbo.X'));
    env.sim.disableTable('dbo_X');
    const run = runCdc(env, { sender: new FakeSender(), source: { tables: ['dbo.X'] } });
    await expect(run.cdc.started).rejects.toThrow(
      "change data capture is not enabled on table dbo.X in database 'Sales'. To enable it, run: USE [Sales]; EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'X', @role_name = NULL, @supports_net_changes = 0;",
    );
    env.sim.disableDatabase();
    const again = runCdc(env, { sender: new FakeSender(), source: { tables: ['dbo.X'] } });
    const error = await again.cdc.started.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdcNotEnabledError);
    expect((error as CdcNotEnabledError).remedy).toBe('USE [Sales]; EXEC sys.sp_cdc_enable_db;');
  });

  it('§8.11 capture job stopped: a stall warning, no crash; streaming resumes when the job runs again (F6)', async () => {
    env = await startEnv((sim) => ordersTable(sim, 'dbo.X'));
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now', captureStallWarningMs: 100 } });
    await run.cdc.started;
    env.sim.autoCapture = false; // sp_cdc_stop_job: commits are no longer captured
    env.sim.insert('dbo.X', { id: 1, total: 1 });
    await eventually(() => expect(run.notifications.map((n) => n.kind)).toContain('capture-stalled'));
    expect(sender.delivered).toHaveLength(0);
    // While the max LSN stands still, the instance's window is empty (from > to): no change query is sent.
    expect(env.server.handledRequests.filter((r) => r.sql.startsWith('/* tributary:changes-'))).toHaveLength(0);
    const before = (await checkpointOf(env))!.instances['dbo_X']!.position;
    env.sim.runCaptureJob(); // sp_cdc_start_job
    await eventually(() => expect(sender.delivered).toHaveLength(1));
    await eventually(() => expect(run.notifications.map((n) => n.kind)).toContain('capture-resumed'));
    await run.control.drainAndShutdown();
    const after = (await checkpointOf(env))!.instances['dbo_X']!.position;
    expect(compareLsn(after.lsn, before.lsn)).toBeGreaterThan(0); // never regressed
  });
});
