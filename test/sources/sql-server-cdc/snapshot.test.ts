import { createHash } from 'node:crypto';
import type { CdcRow, ChangeEvent } from 'tributary/sources/sql-server-cdc';
import type { CdcSimulator } from '../../support/cdc-simulator';
import { lsnHex } from '../../support/cdc-simulator';
import { checkpointOf, FakeSender, ordersTable, runCdc, startEnv, type CdcEnv, eventually } from './harness';

/** A replica kept by upserting on key (what a consumer of the events does). */
class Replica {
  readonly rows = new Map<string, CdcRow>();
  apply(e: ChangeEvent): void {
    const key = JSON.stringify(e.key);
    if (e.op === 'd') this.rows.delete(key);
    else this.rows.set(key, e.after!);
  }
  checksum(): string {
    return digest([...this.rows.values()]);
  }
}

function digest(rows: readonly Readonly<Record<string, unknown>>[]): string {
  const lines = rows.map((r) => JSON.stringify({ id: r['id'], customer: r['customer'], total: r['total'] })).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

const sourceChecksum = (sim: CdcSimulator): string => digest(sim.rowsOf('dbo.Orders'));

// Acceptance test 13 of the research brief §8, and snapshot resume / backfill.
describe('SQL Server CDC source: snapshot', () => {
  let env: CdcEnv;
  afterEach(() => env?.stop());

  it('§8.13 10k existing rows plus writes during the snapshot: after catch-up a key-upserted replica equals the table', async () => {
    const N = 10_000;
    env = await startEnv((sim) => {
      ordersTable(sim);
      for (let i = 0; i < N; i += 1000) sim.insert('dbo.Orders', Array.from({ length: 1000 }, (_, j) => ({ id: i + j + 1, customer: `c${i + j + 1}`, total: i + j })));
    });
    const sender = new FakeSender();
    const replica = new Replica();
    let writes = 0;
    let next = N + 1;
    sender.before = (batch) => {
      for (const e of batch) replica.apply(e);
      // Concurrent writers while the snapshot is being read: inserts, updates of read and unread rows, deletes.
      if (batch.some((e) => e.op === 'r') && writes < 200) {
        writes++;
        const id = 1 + ((writes * 7919) % N);
        if (writes % 4 === 0 && env.sim.table('dbo.Orders').rows.size > 0) {
          try {
            env.sim.delete('dbo.Orders', { id });
          } catch {
            // already deleted
          }
        } else if (writes % 4 === 1) env.sim.insert('dbo.Orders', { id: next++, customer: 'new', total: 1 });
        else {
          try {
            env.sim.update('dbo.Orders', { id }, { total: writes });
          } catch {
            // deleted
          }
        }
      }
    };
    const run = runCdc(env, { sender, batch: 500, commit: { maxBatch: 500 }, source: { pageSize: 1000, startFrom: 'initial' } });
    await eventually(() => expect(replica.checksum()).toBe(sourceChecksum(env.sim)), 15_000);
    await run.control.drainAndShutdown();
    const snapshotLsn = (await checkpointOf(env))!.snapshot.lsn!;
    const reads = sender.delivered.filter((e) => e.op === 'r');
    expect(reads.length).toBeGreaterThanOrEqual(N - 50); // rows deleted before their chunk was read are not read
    expect(reads.every((e) => e.source.commitLsn === snapshotLsn && e.source.snapshot)).toBe(true);
    expect(sender.delivered.filter((e) => e.op !== 'r').every((e) => e.source.commitLsn > snapshotLsn)).toBe(true);
    expect((await checkpointOf(env))!.snapshot).toMatchObject({ status: 'done', reason: 'initial' });
    expect(run.notifications.map((n) => n.kind)).toEqual(expect.arrayContaining(['snapshot-started', 'snapshot-completed']));
    // The chunks were key-ordered reads resuming after the last key, not offsets.
    const chunks = env.server.handledRequests.filter((r) => r.sql.startsWith('/* tributary:snapshot-next-chunk */'));
    expect(chunks.length).toBeGreaterThanOrEqual(9);
  });

  it('a crash during the snapshot resumes after the last committed row, not from the start', async () => {
    env = await startEnv((sim) => {
      ordersTable(sim);
      sim.insert('dbo.Orders', Array.from({ length: 50 }, (_, i) => ({ id: i + 1, total: i })));
    });
    const sender = new FakeSender();
    let release: (() => void) | undefined;
    sender.before = (_b, call) => (call === 3 ? new Promise<void>((r) => (release = r)) : undefined);
    const first = runCdc(env, { sender, batch: 10, commit: { maxBatch: 10 }, source: { pageSize: 10 } });
    await eventually(() => expect(release).toBeDefined()); // the third batch is held: nothing more is delivered
    await eventually(async () => expect((await checkpointOf(env))?.snapshot.tables['dbo.Orders']?.rows).toBe(sender.delivered.length));
    await first.control.abort(new Error('kill -9')); // the held batch is never released: its events are lost in flight
    const progress = (await checkpointOf(env))!.snapshot;
    const lsn = progress.lsn;
    expect(progress.status).toBe('running');
    const lastKey = progress.tables['dbo.Orders']!.lastKey![0];
    expect(lastKey).toBeLessThan(50);
    sender.before = undefined;
    const config = env.server.connectionConfig('Sales');
    const second = runCdc(env, { sender, batch: 10, source: { pageSize: 10, connection: { ...config, options: { ...config.options, appName: 'second-run' } } } });
    await eventually(() => expect(new Set(sender.delivered.map((e) => e.id)).size).toBe(50));
    await eventually(async () => expect((await checkpointOf(env))!.snapshot.status).toBe('done'));
    await second.control.drainAndShutdown();
    // (the first run's stage may still have had a query on the wire when it was aborted)
    const firstChunk = env.server.handledRequests.find((r) => r.session.appName === 'second-run' && r.sql.includes('tributary:snapshot-'));
    expect(firstChunk?.sql).toMatch(/^\/\* tributary:snapshot-next-chunk \*\//);
    expect(firstChunk?.params['k0']?.value).toBe(lastKey); // after the last committed key
    expect((await checkpointOf(env))!.snapshot).toMatchObject({ status: 'done', lsn });
    expect(sender.delivered.filter((e) => e.op === 'r').map((e) => e.after?.['id'])).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('a backfill run snapshots again (new LSN) even with a checkpoint, and its id makes a restarted backfill resume instead', async () => {
    env = await startEnv((sim) => {
      ordersTable(sim);
      sim.insert('dbo.Orders', [{ id: 1, total: 1 }, { id: 2, total: 2 }]);
    });
    const sender = new FakeSender();
    const first = runCdc(env, { sender });
    await eventually(() => expect(sender.delivered).toHaveLength(2));
    await first.control.drainAndShutdown();
    env.sim.insert('dbo.Orders', { id: 3, total: 3 });
    const backfill = runCdc(env, { sender: new FakeSender(), source: { backfill: { id: 'bf-1' } } });
    await eventually(async () => expect((await checkpointOf(env))?.snapshot).toMatchObject({ id: 'bf-1', status: 'done', tables: { 'dbo.Orders': { rows: 3 } } }));
    await backfill.control.drainAndShutdown();
    expect((await checkpointOf(env))!.snapshot.lsn).toBe(lsnHex(env.sim.maxLsn()!));
    // The same backfill restarted after it finished: no second snapshot.
    env.server.clearLogs();
    const again = runCdc(env, { sender: new FakeSender(), source: { backfill: { id: 'bf-1' } } });
    await again.cdc.started;
    await eventually(() => expect(again.cdc.stats().iterations).toBeGreaterThan(0));
    await again.control.drainAndShutdown();
    expect(env.server.handledRequests.some((r) => r.sql.includes('tributary:snapshot-'))).toBe(false);
  });
});
