import { rootCause } from 'tributary';
import { SchemaMismatchError } from 'tributary/hosting';
import { lsnHex } from '../../support/cdc-simulator';
import { checkpointOf, FakeSender, ordersTable, runCdc, startEnv, type CdcEnv, eventually } from './harness';

// Acceptance test 12 of the research brief §8 (F8, F9).
describe('SQL Server CDC source: schema changes across capture instances', () => {
  let env: CdcEnv;
  afterEach(() => env?.stop());

  it('§8.12 a column is added and a second instance created: old shape up to its start_lsn, new shape after, no gap, no duplicate; dropping the old instance is handled', async () => {
    env = await startEnv((sim) => ordersTable(sim, 'dbo.X'));
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now', pageSize: 3 } });
    await run.cdc.started;
    for (let i = 1; i <= 4; i++) env.sim.insert('dbo.X', { id: i, total: i });
    env.sim.addColumn('dbo.X', { name: 'note', type: 'nvarchar', length: 20 });
    env.sim.insert('dbo.X', { id: 5, total: 5, note: 'before v2' }); // captured by dbo_X only (old shape)
    const v2 = env.sim.enableTable('dbo.X', { captureInstance: 'dbo_X_v2' });
    env.sim.insert('dbo.X', { id: 6, total: 6, note: 'after v2' }); // captured by both instances
    env.sim.update('dbo.X', { id: 1 }, { note: 'n1' });
    env.sim.delete('dbo.X', { id: 2 });
    await eventually(() => expect(sender.delivered).toHaveLength(8));

    const switchLsn = lsnHex(v2.startLsn);
    const byInstance = sender.delivered.map((e) => [e.after?.['id'] ?? e.before?.['id'], e.op, e.source.captureInstance]);
    expect(byInstance).toEqual([
      [1, 'c', 'dbo_X'],
      [2, 'c', 'dbo_X'],
      [3, 'c', 'dbo_X'],
      [4, 'c', 'dbo_X'],
      [5, 'c', 'dbo_X'],
      [6, 'c', 'dbo_X_v2'],
      [1, 'u', 'dbo_X_v2'],
      [2, 'd', 'dbo_X_v2'],
    ]);
    for (const e of sender.delivered) {
      if (e.source.captureInstance === 'dbo_X') expect(e.source.commitLsn < switchLsn).toBe(true);
      else expect(e.source.commitLsn >= switchLsn).toBe(true);
    }
    expect(sender.delivered[4]!.after).toEqual({ id: 5, customer: null, total: '5.00' }); // the old shape has no note
    expect(sender.delivered[5]!.after).toEqual({ id: 6, customer: null, total: '6.00', note: 'after v2' });
    expect(sender.delivered[6]!.before).toEqual({ id: 1, customer: null, total: '1.00', note: null });
    expect(sender.repeatedIds()).toEqual([]);
    await eventually(() => expect(run.notifications.map((n) => n.kind)).toEqual(expect.arrayContaining(['schema-change', 'instance-completed'])));
    expect(run.notifications.find((n) => n.kind === 'schema-change')).toEqual({
      kind: 'schema-change',
      table: 'dbo.X',
      fromInstance: 'dbo_X',
      toInstance: 'dbo_X_v2',
      switchLsn,
      columns: ['id', 'customer', 'total', 'note'],
    });

    // The DBA drops the old instance (sp_cdc_disable_table @capture_instance = N'dbo_X'): no crash loop.
    env.sim.disableTable('dbo_X');
    env.sim.insert('dbo.X', { id: 7, total: 7 });
    await eventually(() => expect(sender.delivered).toHaveLength(9));
    await eventually(async () => expect(Object.keys((await checkpointOf(env))!.instances)).toEqual(['dbo_X_v2']));
    expect(run.notifications.find((n) => n.kind === 'instance-dropped')).toMatchObject({ captureInstance: 'dbo_X', covered: true });
    await run.control.drainAndShutdown();

    // A restart resumes on the new instance alone.
    const again = runCdc(env, { sender });
    env.sim.insert('dbo.X', { id: 8, total: 8 });
    await eventually(() => expect(sender.delivered).toHaveLength(10));
    await again.control.drainAndShutdown();
    expect(sender.duplicates).toBe(0);
  });

  it('instances switched while the source was down: a covering successor takes over; one starting too late is data loss', async () => {
    env = await startEnv((sim) => ordersTable(sim, 'dbo.X'));
    const sender = new FakeSender();
    const first = runCdc(env, { sender, source: { startFrom: 'now' } });
    await first.cdc.started;
    env.sim.insert('dbo.X', { id: 1, total: 1 });
    await eventually(() => expect(sender.delivered).toHaveLength(1));
    await first.control.drainAndShutdown();
    // Down: v2 is created and the old instance dropped with nothing written in between (v2 covers the position).
    env.sim.enableTable('dbo.X', { captureInstance: 'dbo_X_v2' });
    env.sim.disableTable('dbo_X');
    env.sim.insert('dbo.X', { id: 2, total: 2 });
    const second = runCdc(env, { sender });
    await eventually(() => expect(sender.delivered).toHaveLength(2));
    await second.control.drainAndShutdown();
    expect(sender.delivered[1]!.source.captureInstance).toBe('dbo_X_v2');
    expect(second.notifications).toContainEqual(expect.objectContaining({ kind: 'instance-dropped', captureInstance: 'dbo_X', covered: true }));

    // Down again: a row is written to the old shape only, then v3 replaces v2 — the row is gone with v2.
    env.sim.insert('dbo.X', { id: 3, total: 3 });
    env.sim.enableTable('dbo.X', { captureInstance: 'dbo_X_v3' });
    env.sim.disableTable('dbo_X_v2');
    const third = runCdc(env, { sender });
    const error = await third.control.streamCompletion.catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/CDC data loss in database 'Sales', capture instance 'dbo_X_v2'/);
  });

  it('onSchemaChange: fail stops with SchemaMismatchError once the old instance is read (the host then backfills)', async () => {
    env = await startEnv((sim) => ordersTable(sim, 'dbo.X'));
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now', onSchemaChange: 'fail' } });
    await run.cdc.started;
    env.sim.insert('dbo.X', { id: 1, total: 1 });
    env.sim.enableTable('dbo.X', { captureInstance: 'dbo_X_v2' });
    env.sim.insert('dbo.X', { id: 2, total: 2 });
    const error = await run.control.streamCompletion.catch((e: unknown) => e);
    expect(rootCause(error)).toBeInstanceOf(SchemaMismatchError);
    expect((rootCause(error) as Error).message).toMatch(/table dbo\.X has a new capture instance 'dbo_X_v2'/);
    expect(sender.delivered.map((e) => e.after?.['id'])).toEqual([1]);
  });
});
