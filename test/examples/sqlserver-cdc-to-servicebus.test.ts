import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobCheckpointStore } from 'tributary/azure';
import type { CdcCheckpoint, ChangeEvent, CdcPosition } from 'tributary/sources/sql-server-cdc';
import type { SqlServerCdcStreamSpecInput } from '../../examples/sqlserver-cdc-to-servicebus/spec';
import { sharedAzurite } from '../support/azurite';
import { CdcSimulator, lsnHex } from '../support/cdc-simulator';
import { eventually } from '../support/eventually';
import { ServiceBusTestBroker, type ReceivedMessage } from '../support/service-bus-broker';
import { TdsTestServer } from '../support/tds';
import { compileProject, killAll, messageOf, spawnProgram, type CompiledProject, type Program } from '../hosting/fixtures/harness';

/**
 * examples/sqlserver-cdc-to-servicebus/program.ts, run as the operator runs it: a child process configured by
 * STREAMCONTEXT__* and the three connection strings, against the TDS test server + CDC simulator (SQL Server), the
 * Service Bus test broker and Azurite (checkpoint blob and lease), all on loopback in this process.
 */
const PROGRAM = 'examples/sqlserver-cdc-to-servicebus/program.ts';
const STREAM_ID = 'shop-orders';
const QUEUE = 'dbo.Orders'; // the spec's default entity template, {schema}.{table}
const WAIT_MS = 15_000;

let project: CompiledProject;
let broker: ServiceBusTestBroker;
beforeAll(async () => {
  project = compileProject();
  broker = await ServiceBusTestBroker.start();
});
afterAll(async () => {
  killAll();
  project.remove();
  await broker.stop();
});

/** A database with CDC on dbo.Orders behind the TDS test server. */
async function database(rows: number): Promise<{ sim: CdcSimulator; server: TdsTestServer; connection: string }> {
  const sim = new CdcSimulator({ database: 'Sales' });
  sim.createTable('dbo.Orders', [{ name: 'id', type: 'int' }, { name: 'total', type: 'decimal', precision: 18, scale: 2 }], ['id']);
  sim.enableTable('dbo.Orders');
  for (let id = 1; id <= rows; id++) sim.insert('dbo.Orders', { id, total: `${id}.50` });
  sim.runCaptureJob();
  const server = await TdsTestServer.start({ handler: sim.handler });
  const connection = `Server=127.0.0.1,${server.port};Database=Sales;User Id=sa;Password=Tributary-Test-1!;Encrypt=false;TrustServerCertificate=true`;
  return { sim, server, connection };
}

/** A change the source must send: one per change row (an update's op 3 + 4 is one), with its id and position. */
interface Change {
  readonly id: string;
  readonly commitLsn: string;
  readonly seqval: string;
}

/** The simulator's change table as the changes the job must send, in order. */
function changeList(sim: CdcSimulator): Change[] {
  const letter = { 1: 'd', 2: 'c', 4: 'u' } as const;
  return sim
    .instance('dbo_Orders')
    .changes.filter((c) => c.op !== 3)
    .map((c) => {
      const [commitLsn, seqval] = [lsnHex(c.lsn), lsnHex(c.seqval)];
      return { id: `Sales:dbo_Orders:${commitLsn}:${seqval}:${letter[c.op as 1 | 2 | 4]}`, commitLsn, seqval };
    });
}

interface Job {
  readonly env: Readonly<Record<string, string>>;
  readonly checkpoints: BlobCheckpointStore<CdcCheckpoint>;
  readonly container: string;
}

/** The job's environment: the spec (fast polling, a 15 s lease) and the connection strings. */
function job(connection: string, spec: Partial<SqlServerCdcStreamSpecInput> = {}, extra: Record<string, string> = {}): Job {
  const container = `t-${randomUUID()}`;
  const full: SqlServerCdcStreamSpecInput = {
    database: 'Sales',
    tables: ['dbo.Orders'],
    polling: { pollIntervalMs: 20, maxPollIntervalMs: 100 },
    batching: { maxBatchDelayMs: 10 },
    checkpoint: { container, leaseDurationSeconds: 15 },
    ...spec,
  };
  const storage = sharedAzurite();
  return {
    container,
    checkpoints: new BlobCheckpointStore<CdcCheckpoint>({
      container: BlobServiceClient.fromConnectionString(storage).getContainerClient(container),
      prefix: 'checkpoints/',
    }),
    env: {
      STREAMCONTEXT__SPEC: JSON.stringify(full),
      STREAMCONTEXT__BACKFILL: 'false',
      STREAMCONTEXT__STREAM_ID: STREAM_ID,
      STREAMCONTEXT__STREAM_KIND: 'SqlServerCdcStream',
      SQL_CONNECTION: connection,
      SERVICEBUS_CONNECTION: broker.connectionString,
      STORAGE_CONNECTION: storage,
      ...extra,
    },
  };
}

const start = (j: Job, env: Record<string, string> = {}): Program => spawnProgram(project.js(PROGRAM), { env: { ...j.env, ...env } });

/** Messages the broker accepted for the queue (duplicates flagged), and the ids kept in the queue. */
const received = (queue: string): readonly ReceivedMessage[] => broker.received(queue);
const kept = (queue: string): string[] => broker.messages(queue).map((m) => m.messageId!);
const bodyOf = (m: { body: unknown }): ChangeEvent => m.body as ChangeEvent;

/** Whether a checkpoint position covers a change (a resume starts after it). */
function covers(position: CdcPosition, change: { readonly commitLsn: string; readonly seqval: string | null }): boolean {
  if (position.lsn !== change.commitLsn) return position.lsn > change.commitLsn;
  return position.kind === 'through' || position.seqval >= change.seqval!;
}

describe('examples/sqlserver-cdc-to-servicebus (child process, TDS + CDC simulator, Service Bus broker, Azurite)', () => {
  it('streams inserts/updates/deletes with their ids; a standby waits; SIGTERM drains at the last sent change; restarts lose nothing', async () => {
    const { sim, server, connection } = await database(3);
    broker.createQueue(QUEUE, { requiresDuplicateDetection: true });
    const j = job(connection, { polling: { pollIntervalMs: 20, maxPollIntervalMs: 100, maxTransactionsPerIteration: 5 } });
    const existing = changeList(sim).length; // the 3 rows were inserted before the job: it snapshots them instead
    const changes = (): Change[] => changeList(sim).slice(existing);
    const ids = (): string[] => changes().map((c) => c.id);
    const position = async (): Promise<CdcPosition> => (await j.checkpoints.load(STREAM_ID))!.value.instances['dbo_Orders']!.position;
    try {
      // A: snapshot of the 3 rows, then the changes, each with its id as the message id.
      const a = start(j);
      await a.waitForLine(/lease acquired: streaming/, WAIT_MS);
      await eventually(() => expect(received(QUEUE)).toHaveLength(3), WAIT_MS);
      expect(received(QUEUE).map((m) => [bodyOf(m).op, bodyOf(m).after?.['id']])).toEqual([['r', 1], ['r', 2], ['r', 3]]);
      sim.insert('dbo.Orders', [{ id: 4, total: '4.50' }, { id: 5, total: '5.50' }]);
      sim.update('dbo.Orders', { id: 2 }, { total: '20.00' });
      sim.delete('dbo.Orders', { id: 3 });
      sim.pkUpdate('dbo.Orders', { id: 1 }, { id: 100 });
      await eventually(() => expect(received(QUEUE).slice(3).map((m) => m.messageId)).toEqual(ids()), WAIT_MS);
      for (const m of received(QUEUE)) expect(m).toMatchObject({ messageId: bodyOf(m).id, subject: bodyOf(m).op, applicationProperties: { table: 'dbo.Orders', op: bodyOf(m).op } });
      expect(received(QUEUE).slice(3).map((m) => bodyOf(m).op)).toEqual(['c', 'c', 'u', 'd', 'd', 'c']);

      // B: started alongside, it stands by — no Service Bus connection, nothing sent — while A keeps streaming.
      const connections = broker.acceptedConnections;
      const b = start(j);
      await b.waitForLine(/acquiring the lease on blob 'checkpoints\/shop-orders\.json'/, WAIT_MS);
      sim.insert('dbo.Orders', [{ id: 6, total: '6.50' }]);
      await eventually(() => expect(received(QUEUE).slice(3).map((m) => m.messageId)).toEqual(ids()), WAIT_MS);
      expect(broker.acceptedConnections).toBe(connections);

      // SIGTERM to A with a batch in flight (the broker holds its acknowledgement back for 300 ms) and changes not
      // read yet (slow SQL, 5 transactions per poll): A drains — what it read is sent, acknowledged and
      // checkpointed, the rest is left to the next owner — and exits 0.
      broker.faults.delayDispositionsMs(300);
      server.faults.delayResponsesMs(100);
      const before = received(QUEUE).length;
      for (let id = 7; id <= 30; id++) sim.insert('dbo.Orders', [{ id, total: `${id}.50` }]);
      await eventually(() => expect(received(QUEUE).length).toBeGreaterThan(before), WAIT_MS);
      const sigterm = a.elapsed();
      a.child.kill('SIGTERM');
      const aExit = await a.exited;
      broker.faults.reset();
      server.faults.reset();
      expect({ code: aExit.code, stderr: aExit.stderr }).toEqual({ code: 0, stderr: '' });
      expect(aExit.lines.map(messageOf)).toEqual(expect.arrayContaining(['the stream stopped gracefully', 'exit code 0']));
      const drainMs = aExit.ms - sigterm;
      expect(drainMs).toBeLessThan(10_000);
      const sentByA = received(QUEUE).slice(3).map((m) => m.messageId!);
      expect(sentByA).toEqual(ids().slice(0, sentByA.length)); // in order, no gap
      const lastSent = changes()[sentByA.length - 1]!;
      const firstUnsent = changes()[sentByA.length];
      expect(covers(await position(), lastSent)).toBe(true); // the checkpoint is at the last sent change:
      expect(firstUnsent).toBeDefined();
      expect(covers(await position(), firstUnsent!)).toBe(false); // not before it, not beyond it
      expect(b.lines.map(messageOf)).not.toContain('lease acquired: streaming');

      // B takes over at its next lease attempt and resumes right after A's checkpoint: no loss, no duplicate.
      await b.waitForLine(/lease acquired: streaming/, WAIT_MS);
      await eventually(() => expect(received(QUEUE).slice(3).map((m) => m.messageId)).toEqual(ids()), WAIT_MS);
      expect(received(QUEUE).filter((m) => m.duplicate)).toEqual([]);

      // B crashes (kill -9) with a batch sent but unacknowledged (the broker stored it, the ack is held back).
      await eventually(async () => expect(covers(await position(), changes()[changes().length - 1]!)).toBe(true), WAIT_MS);
      broker.faults.delayDispositionsMs(60_000);
      sim.insert('dbo.Orders', [31, 32, 33, 34, 35].map((id) => ({ id, total: `${id}.50` })));
      const inFlight = ids().slice(-5);
      await eventually(() => expect(received(QUEUE).map((m) => m.messageId)).toEqual(expect.arrayContaining(inFlight)), WAIT_MS);
      b.child.kill('SIGKILL');
      await b.exited;
      broker.faults.reset();
      // Its lease would expire after 15 s; an administrator (or the test) breaks it instead.
      await BlobServiceClient.fromConnectionString(sharedAzurite()).getContainerClient(j.container).getBlobClient(`checkpoints/${STREAM_ID}.json`).getBlobLeaseClient().breakLease(0);

      // C resumes from B's checkpoint: it resends the unacknowledged batch, which duplicate detection drops.
      const c = start(j);
      await c.waitForLine(/lease acquired: streaming/, WAIT_MS);
      sim.insert('dbo.Orders', [{ id: 36, total: '36.50' }]);
      await eventually(() => expect(kept(QUEUE).slice(3)).toEqual(ids()), WAIT_MS);
      expect(received(QUEUE).filter((m) => m.duplicate).map((m) => m.messageId)).toEqual(inFlight);
      c.child.kill('SIGTERM');
      expect((await c.exited).code).toBe(0);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('a backfill snapshots every row and exits 0; interrupted it exits 2, and the next run resumes its snapshot', async () => {
    const { sim, server, connection } = await database(45);
    const queue = 'backfill.Orders';
    broker.createQueue(queue, { requiresDuplicateDetection: true, requiresSession: true });
    const spec = {
      serviceBus: { entity: 'backfill.{table}', sessionKey: { mode: 'primaryKey' as const } },
      polling: { pollIntervalMs: 20, maxPollIntervalMs: 100, pageSize: 10 },
    };
    const j = job(connection, spec, { STREAMCONTEXT__BACKFILL: 'true', STREAMCONTEXT__BACKFILL_ID: 'reload-1' });
    const snapshotIds = (): number[] => broker.messages(queue).map((m) => bodyOf(m).after!['id'] as number);
    try {
      // SIGTERM once the first chunk was sent (slow SQL keeps the snapshot going): drained, but incomplete → exit 2.
      server.faults.delayResponsesMs(50);
      const first = start(j);
      await eventually(() => expect(received(queue).length).toBeGreaterThan(0), WAIT_MS);
      first.child.kill('SIGTERM');
      const interrupted = await first.exited;
      server.faults.reset();
      expect(interrupted.code).toBe(2);
      expect(interrupted.lines.map(messageOf)).toContain('stopped during a backfill; exit 2 so the backfill runs again');
      const sentBefore = received(queue).length;
      expect(sentBefore).toBeLessThan(45);

      // Run again (the same backfill id): it resumes after the last checkpointed row, sends the rest and exits 0.
      const second = await start(j).exited;
      expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
      expect(second.lines.map(messageOf)).toEqual(expect.arrayContaining(['cdc snapshot-completed', 'the stream completed', 'exit code 0']));
      expect(snapshotIds()).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
      for (const m of received(queue)) expect(m).toMatchObject({ messageId: bodyOf(m).id, sessionId: String(bodyOf(m).after!['id']), subject: 'r' });
      expect(received(queue).filter((m) => m.duplicate)).toEqual([]); // the drain had checkpointed all it sent
      expect((await j.checkpoints.load(STREAM_ID))!.value.snapshot).toMatchObject({ status: 'done', id: 'reload-1', reason: 'backfill' });

      // A restart of a finished backfill sends nothing and exits 0.
      const again = await start(j).exited;
      expect(again.code).toBe(0);
      expect(received(queue)).toHaveLength(45);

      // The streaming run that follows resumes where the snapshot ended: only the changes made since.
      sim.insert('dbo.Orders', [{ id: 46, total: '46.50' }]);
      const stream = start(j, { STREAMCONTEXT__BACKFILL: 'false' });
      await eventually(() => expect(received(queue)).toHaveLength(46), WAIT_MS);
      expect(bodyOf(received(queue)[45]!)).toMatchObject({ op: 'c', after: { id: 46 } });
      stream.child.kill('SIGTERM');
      expect((await stream.exited).code).toBe(0);
      expect(received(queue)).toHaveLength(46);
    } finally {
      await server.stop();
    }
  }, 30_000);
});
