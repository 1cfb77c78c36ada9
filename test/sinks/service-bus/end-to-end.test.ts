import {
  CheckpointCommitter,
  Committer,
  DrainingControl,
  Keep,
  KillSwitches,
  Sink,
  Source,
  type Committable,
  type PartitionOffsets,
} from 'tributary';
import { BlobCheckpointStore } from 'tributary/azure';
import { ServiceBusSink } from 'tributary/sinks/service-bus';
import { ServiceBusSource } from 'tributary/sources/service-bus';
import { freshContainer } from '../../support/azurite';
import { ServiceBusTestBroker } from '../../support/service-bus-broker';

/**
 * The whole path against the test broker and Azurite: a source with offsets → ServiceBusSink → committer into a
 * blob checkpoint; the job is killed mid-stream and restarted from its checkpoint. Every change reaches the queue
 * at least once, and the queue's duplicate detection (message id = table:seq) keeps exactly one copy of each.
 */
interface Change {
  readonly table: string;
  readonly seq: number;
}
type Doc = PartitionOffsets<Change>;

const TABLES = ['orders', 'invoices'];
const PER_TABLE = 150;
const ALL: Change[] = [];
for (let seq = 1; seq <= PER_TABLE; seq++) for (const table of TABLES) ALL.push({ table, seq });
const idOf = (c: Change) => `${c.table}:${c.seq}`;

let broker: ServiceBusTestBroker;
beforeAll(async () => {
  broker = await ServiceBusTestBroker.start();
});
afterAll(() => broker.stop());

/** One "process": resumes after its checkpoint; `onAck` sees each change the sink acknowledged. */
async function job(store: BlobCheckpointStore<Doc>, onAck: (c: Change) => void) {
  const checkpoints = CheckpointCommitter.perPartition(store, 'sql-1/shop', { partitionOf: (c: Change) => c.table, compare: (a, b) => a.seq - b.seq });
  const start = await checkpoints.load();
  // Commits the process started; a killed process's commit in flight lands (or not) before the next one starts.
  const inFlight = new Set<Promise<void>>();
  const committable: Committable<Change> = {
    partitionOf: checkpoints.partitionOf.bind(checkpoints),
    compare: checkpoints.compare,
    commit: (offsets) => {
      const p = checkpoints.commit(offsets);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p)).catch(() => undefined);
      return p;
    },
  };
  const bus = ServiceBusSink.create<Change>({
    connection: broker.connectionString,
    entity: 'changes',
    toMessage: (c) => ({ body: c, messageId: idOf(c), subject: 'c', applicationProperties: { table: c.table } }),
    maxBatchMessages: 8,
    maxBatchDelayMs: 5,
  });
  const control = Source.from(ALL.filter((c) => c.seq > (start?.offsets[c.table]?.seq ?? 0)))
    .viaMat(KillSwitches.single(), Keep.right)
    .asSourceWithContext((c) => c)
    .via(bus.flowWithContext<Change>())
    .map((c) => (onAck(c), c))
    .toMat(Committer.sinkWithContext(committable, { maxBatch: 10, maxIntervalMs: 20 }), DrainingControl.create)
    .run();
  return { control, start, settled: () => Promise.allSettled([...inFlight]) };
}

it('killed mid-stream and restarted: every change delivered at least once, duplicates removed by message id', async () => {
  broker.createQueue('changes', { requiresDuplicateDetection: true, duplicateDetectionWindowMs: 10 * 60_000 });
  const store = new BlobCheckpointStore<Doc>({ container: await freshContainer(), prefix: 'checkpoints/' });

  // Run 1: killed (nothing more is committed) once the sink acknowledged 120 changes.
  let acked = 0;
  let run1: Awaited<ReturnType<typeof job>> | undefined;
  run1 = await job(store, () => {
    if (++acked === 120) void run1?.control.abort(new Error('kill -9'));
  });
  await expect(run1.control.streamCompletion).rejects.toThrow('kill -9');
  await run1.settled();
  expect(run1.start).toBeUndefined();

  // Run 2 resumes after the checkpoint, which trails what was sent: the overlap is sent again.
  const run2 = await job(store, () => undefined);
  await run2.control.streamCompletion;
  const resumed = run2.start!.offsets;
  expect(Object.keys(resumed).sort()).toEqual([...TABLES].sort());
  for (const table of TABLES) expect(resumed[table]!.seq).toBeLessThanOrEqual(60);

  const received = broker.received('changes');
  const sent = new Set(received.map((m) => m.messageId));
  expect(ALL.every((c) => sent.has(idOf(c)))).toBe(true); // at least once
  expect(received.some((m) => m.duplicate)).toBe(true); // the replay really resent some
  const kept = broker.messages('changes').map((m) => m.messageId);
  expect(new Set(kept).size).toBe(kept.length); // exactly once in the queue
  expect(kept.sort()).toEqual(ALL.map(idOf).sort());
  for (const table of TABLES) {
    // per table, in source order
    const seqs = broker.messages('changes').filter((m) => m.applicationProperties['table'] === table).map((m) => (m.body as Change).seq);
    expect(seqs).toEqual(Array.from({ length: PER_TABLE }, (_, i) => i + 1));
  }

  // A consumer downstream sees each change once and completes it.
  const [control, consumed] = ServiceBusSource.create({ connection: broker.connectionString, queue: 'changes', maxMessages: 64, maxWaitTimeMs: 50, completeAfterIdleMs: 300 })
    .asSource()
    .alsoTo(Committer.sinkWithContext(ServiceBusSource.committable, { maxBatch: 50, maxIntervalMs: 10 }))
    .map(([m]) => m.messageId as string)
    .toMat(Sink.seq(), Keep.both)
    .run();
  expect((await consumed).sort()).toEqual(ALL.map(idOf).sort());
  await control.closed;
  expect(broker.queueDepth('changes')).toBe(0);
});
