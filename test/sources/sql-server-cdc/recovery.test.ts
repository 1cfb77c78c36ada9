import { CommitFailedError, InMemoryCheckpointStore, rootCause, type CheckpointStore } from 'tributary';
import { CdcTransientError, type CdcCheckpoint, type ChangeEvent } from 'tributary/sources/sql-server-cdc';
import { checkpointOf, FakeSender, ordersTable, runCdc, startEnv, type CdcEnv, eventually } from './harness';

/** A checkpoint store whose `save` fails when `failSave` says so (the "crash between send and checkpoint" hook). */
class FaultyStore<T> extends InMemoryCheckpointStore<T> {
  failSave: ((saves: number) => boolean) | undefined;
  saves = 0;
  override async save(key: string, value: T, expectedVersion: string | undefined): Promise<string> {
    if (this.failSave?.(++this.saves)) throw new Error('injected: checkpoint write failed');
    return super.save(key, value, expectedVersion);
  }
}

const rows = (from: number, n: number): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => ({ id: from + i, total: from + i }));
const ids = (events: readonly ChangeEvent[]): string[] => events.map((e) => e.id);

// Acceptance tests 4, 5 and 6 of the research brief §8, and transient SQL failures (F16).
describe('SQL Server CDC source: crashes, sink failures and transient errors', () => {
  let env: CdcEnv;
  afterEach(() => env?.stop());

  it('§8.4 page split: crash after the first page of a 25-row transaction was acked and checkpointed; the restart delivers all 25 exactly once', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    const sender = new FakeSender();
    let release: (() => void) | undefined;
    sender.before = (_batch, call) => (call === 2 ? new Promise<void>((r) => (release = r)) : undefined); // holds the second page
    const first = runCdc(env, { sender, source: { startFrom: 'now', pageSize: 10 } });
    await first.cdc.started;
    env.sim.insert('dbo.Orders', rows(1, 25));
    await eventually(async () => expect((await checkpointOf(env))?.instances['dbo_Orders']?.position).toMatchObject({ kind: 'within' }));
    expect(sender.delivered).toHaveLength(10);
    await first.control.abort(new Error('kill -9')); // nothing more is committed
    release?.();

    sender.before = undefined;
    const second = runCdc(env, { sender, source: { pageSize: 10 } });
    await eventually(() => expect(sender.delivered).toHaveLength(25));
    await second.control.drainAndShutdown();
    expect(sender.repeatedIds()).toEqual([]);
    expect(sender.delivered.map((e) => e.after?.['id'])).toEqual(rows(1, 25).map((r) => r['id']));
    // The restart resumed inside the transaction with the (L, S, op) predicate, not from its start.
    const position = (await checkpointOf(env))!.instances['dbo_Orders']!.position;
    expect(position).toEqual({ kind: 'through', lsn: expect.any(String) });
  });

  it('§8.5 crash between send and checkpoint: the replay is dropped by duplicate detection and the checkpoint ends right', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    const store = new FaultyStore<CdcCheckpoint>();
    const sender = new FakeSender();
    const first = runCdc(env, { sender, store, source: { startFrom: 'now' } });
    await first.cdc.started;
    const saved = store.saves;
    store.failSave = (n) => n > saved; // every checkpoint write after the start fails: sends happen, checkpoints do not
    env.sim.insert('dbo.Orders', rows(1, 15));
    const failure = await first.control.streamCompletion.catch((e: unknown) => e);
    expect(rootCause(failure)).toBeInstanceOf(CommitFailedError);
    const deliveredBefore = sender.delivered.length;
    expect(deliveredBefore).toBeGreaterThan(0);

    store.failSave = undefined;
    const second = runCdc(env, { sender, store });
    await eventually(() => expect(sender.delivered).toHaveLength(15));
    await second.control.drainAndShutdown();
    expect(sender.duplicates).toBe(deliveredBefore); // replayed from the checkpoint, dropped downstream
    expect(sender.repeatedIds()).toEqual([]);
    const lastLsn = sender.delivered[14]!.source.commitLsn;
    expect((await checkpointOf(env, store))!.instances['dbo_Orders']!.position).toEqual({ kind: 'through', lsn: expect.any(String) });
    expect((await checkpointOf(env, store))!.instances['dbo_Orders']!.position.lsn >= lastLsn).toBe(true);
  });

  it('§8.6 the sender rejects the 2nd batch: the checkpoint stays at the 1st batch’s last event; the retry succeeds with no gap', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    const sender = new FakeSender();
    sender.before = (_batch, call) => {
      if (call === 2) throw new Error('ServiceBusy');
    };
    const first = runCdc(env, { sender, batch: 5, commit: { maxBatch: 5 }, source: { startFrom: 'now', pageSize: 5 } });
    await first.cdc.started;
    env.sim.insert('dbo.Orders', rows(1, 12));
    await first.control.streamCompletion.catch(() => undefined);
    expect(sender.delivered).toHaveLength(5);
    const lastOfFirst = sender.delivered[4]!;
    const position = (await checkpointOf(env))!.instances['dbo_Orders']!.position;
    expect(position).toEqual({ kind: 'within', lsn: lastOfFirst.source.commitLsn, seqval: lastOfFirst.source.seqval, op: 2 });

    sender.before = undefined;
    const second = runCdc(env, { sender, batch: 5, commit: { maxBatch: 5 }, source: { pageSize: 5 } });
    await eventually(() => expect(sender.delivered).toHaveLength(12));
    await second.control.drainAndShutdown();
    expect(sender.duplicates).toBe(0); // the checkpoint was exact: nothing before it was re-sent
    expect(sender.delivered.map((e) => e.after?.['id'])).toEqual(rows(1, 12).map((r) => r['id']));
  });

  it('F16: deadlock (1205), database unavailable (40613), a socket dropped mid-result and all connections closed are retried from the in-memory cursor', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    const sender = new FakeSender();
    const retries: unknown[] = [];
    const run = runCdc(env, { sender, source: { startFrom: 'now', pageSize: 7, observer: { onRetry: (e) => retries.push(e) } } });
    await run.cdc.started;
    const changes = (r: { sql: string }): boolean => r.sql.startsWith('/* tributary:changes');
    env.server.faults.failNext(1205, 1, changes);
    env.server.faults.failNext(40613, 1, (r) => r.sql.startsWith('/* tributary:max-lsn'));
    env.server.faults.dropSocketMidResult(1, 3, changes);
    env.sim.insert('dbo.Orders', rows(1, 20));
    await eventually(() => expect(sender.delivered).toHaveLength(20));
    env.server.faults.closeAllConnections();
    env.server.faults.failLogin(1); // the reconnect's first login fails too
    env.sim.insert('dbo.Orders', rows(21, 5));
    await eventually(() => expect(sender.delivered).toHaveLength(25));
    await run.control.drainAndShutdown();
    expect(sender.duplicates).toBe(0);
    expect(sender.delivered.map((e) => e.after?.['id'])).toEqual(rows(1, 25).map((r) => r['id']));
    expect(retries.length).toBeGreaterThanOrEqual(4);
    expect(retries.every((e) => e instanceof CdcTransientError)).toBe(true);
    expect(run.cdc.stats().retries).toBe(retries.length);
    // Runs in ~0.1 s alone; under heavy machine load a dropped pooled connection can wait out tedious's request
    // timeout (15 s) before the retry, so this test gets more than jest's default 20 s.
  }, 60_000);

  it('F16: a reply slower than the request timeout is retried (ETIMEOUT), and the stream goes on', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    const sender = new FakeSender();
    const run = runCdc(env, { sender, source: { startFrom: 'now', requestTimeoutMs: 200 } });
    await run.cdc.started;
    env.server.faults.delayResponsesMs(400);
    env.sim.insert('dbo.Orders', rows(1, 3));
    await eventually(() => expect(run.cdc.stats().retries).toBeGreaterThan(0), 5000);
    env.server.faults.delayResponsesMs(0);
    await eventually(() => expect(sender.delivered).toHaveLength(3), 5000);
    await run.control.drainAndShutdown();
    expect(ids(sender.delivered)).toHaveLength(3);
  });

  it('a login that never worked is a configuration error, not retried forever', async () => {
    env = await startEnv((sim) => ordersTable(sim));
    env.server.faults.failLogin(100);
    const sender = new FakeSender();
    const run = runCdc(env, { sender });
    await expect(run.cdc.started).rejects.toThrow(/cannot log in to 127\.0\.0\.1:\d+\/Sales \(.*Login failed.*\): check the user, password and database/);
    await expect(run.control.streamCompletion).rejects.toThrow();
  });

  it('keeps the checkpoint store a CheckpointStore (type check of the fault hook)', () => {
    const store: CheckpointStore<CdcCheckpoint> = new FaultyStore<CdcCheckpoint>();
    expect(store).toBeDefined();
  });
});
