import type { ContainerClient } from '@azure/storage-blob';
import { LeaseLostError, withLease } from 'tributary';
import { BlobCheckpointStore, type BlobLease } from 'tributary/azure';
import type { CdcCheckpoint } from 'tributary/sources/sql-server-cdc';
import { freshContainer } from '../../support/azurite';
import { buildCdc, FakeSender, KEY, ordersTable, runCdc, startEnv, type CdcEnv, eventually } from './harness';

const rows = (from: number, n: number): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => ({ id: from + i, total: from + i }));

// Acceptance tests 14, 15 and 22 of the research brief §8 with Azurite: one owner per database, fenced
// checkpoints, graceful hand-over. (The wait for a crashed owner's lease to expire is covered by
// test/azure/blob-lease-expiry.test.ts; here expiry is simulated by breaking the lease, as in fencing.test.ts.)
describe('SQL Server CDC source under a blob lease', () => {
  let env: CdcEnv;
  let container: ContainerClient;
  const leases: BlobLease[] = [];
  beforeEach(async () => {
    container = await freshContainer();
    env = await startEnv((sim) => ordersTable(sim));
  });
  afterEach(async () => {
    await Promise.allSettled(leases.splice(0).map((l) => l.release()));
    await env.stop();
  });

  /** A replica: its own store (another process would have one) and a lease on the database's checkpoint blob. */
  function replica(): { store: BlobCheckpointStore<CdcCheckpoint>; lease: BlobLease } {
    const store = new BlobCheckpointStore<CdcCheckpoint>({ container });
    const lease = store.lease(KEY, { durationSeconds: 15, acquireRetryMs: 100 });
    leases.push(lease);
    return { store, lease };
  }

  it('§8.14/§8.22 two workers: exactly one publishes; a graceful shutdown hands over at once and the standby resumes from the checkpoint', async () => {
    const sender = new FakeSender();
    const publishers = new Set<string>();
    const worker = (name: string) => {
      const { store, lease } = replica();
      const pipeline = buildCdc(env, {
        sender: { send: (batch) => (publishers.add(name), sender.send(batch)) } as FakeSender,
        store,
        source: { lease, startFrom: 'now' },
      });
      const control = withLease(lease, () => pipeline.graph);
      return { control, lease, pipeline };
    };
    const a = worker('a');
    const aControl = await a.control;
    await a.pipeline.cdc().started;
    const b = worker('b'); // standby: waits in acquire
    env.sim.insert('dbo.Orders', rows(1, 20));
    await eventually(() => expect(sender.delivered).toHaveLength(20));
    expect([...publishers]).toEqual(['a']);
    expect(b.lease.isHeld).toBe(false);

    const started = Date.now();
    await aControl.drainAndShutdown(); // final checkpoint, then the lease is released
    const bControl = await b.control; // takes over at its next retry
    expect(Date.now() - started).toBeLessThan(5_000);
    env.sim.insert('dbo.Orders', rows(21, 5));
    await eventually(() => expect(sender.delivered).toHaveLength(25));
    await bControl.drainAndShutdown();
    expect([...publishers]).toEqual(['a', 'b']);
    expect(sender.duplicates).toBe(0); // b resumed exactly where a's final checkpoint was
    expect(sender.delivered.map((e) => e.after?.['id'])).toEqual(rows(1, 25).map((r) => r['id']));
  });

  it('§8.15 fencing: a deposed leader’s next checkpoint write is refused, it stops with LeaseLostError; downstream has no duplicates', async () => {
    const sender = new FakeSender();
    const a = replica();
    const pipelineA = buildCdc(env, { sender, store: a.store, source: { lease: a.lease, startFrom: 'now' } });
    const aControl = await withLease(a.lease, () => pipelineA.graph);
    await pipelineA.cdc().started;
    env.sim.insert('dbo.Orders', rows(1, 5));
    await eventually(() => expect(sender.delivered).toHaveLength(5));
    await eventually(async () => expect((await a.store.load(KEY))?.value.instances['dbo_Orders']?.position.kind).toBe('through'));

    // A is paused past its lease (simulated by breaking it); B takes over and publishes.
    let hold: (() => void) | undefined;
    sender.before = (_b, call) => (call > 0 && hold === undefined ? new Promise<void>((r) => (hold = r)) : undefined);
    env.sim.insert('dbo.Orders', rows(6, 3)); // A reads these and is stuck sending them
    await eventually(() => expect(hold).toBeDefined());
    await container.getBlobClient(`${KEY}.json`).getBlobLeaseClient().breakLease(0);
    const b = replica();
    const senderB = new FakeSender();
    const pipelineB = buildCdc(env, { sender: senderB, store: b.store, source: { lease: b.lease } });
    const bControl = await withLease(b.lease, () => pipelineB.graph);
    await eventually(() => expect(senderB.delivered.map((e) => e.after?.['id'])).toEqual([6, 7, 8]));

    hold!(); // A wakes up: its send goes through (dedupe downstream), its checkpoint write is refused
    const error = await aControl.streamCompletion.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(a.lease.isHeld).toBe(false);
    const position = (await b.store.load(KEY))!.value.instances['dbo_Orders']!.position;
    env.sim.insert('dbo.Orders', rows(9, 2));
    await eventually(() => expect(senderB.delivered).toHaveLength(5));
    await bControl.drainAndShutdown();
    expect(sender.delivered.filter((e) => (e.after?.['id'] as number) > 8)).toEqual([]); // A published nothing after its lease
    expect(senderB.repeatedIds()).toEqual([]);
    expect(position.lsn <= (await b.store.load(KEY))!.value.instances['dbo_Orders']!.position.lsn).toBe(true);
  });

  it('a source given a lease it does not hold refuses to start (withLease acquires and releases it around the graph)', async () => {
    const a = replica();
    await a.lease.acquire(); // another owner
    const b = replica();
    const run = runCdc(env, { sender: new FakeSender(), store: b.store, source: { lease: b.lease } });
    const error = await run.control.streamCompletion.catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/the lease \(.*\) is not held; run the graph with withLease\(lease, \(\) => graph\)/);
    expect(env.server.handledRequests).toHaveLength(0); // nothing was read
  });
});
