/** docs/state.md's examples, run as written (with small stand-ins for the user's source and sink). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CheckpointCommitter, Committer, DrainingControl, FileCheckpointStore, Keep, KillSwitches, Source, withLease } from 'tributary';
import type { PartitionOffsets } from 'tributary';
import { BlobCheckpointStore, blobContainer } from 'tributary/azure';
import { freshContainer, sharedAzurite } from '../support/azurite';

interface Offset {
  readonly table: string;
  readonly lsn: number;
}
interface Change extends Offset {
  readonly row: string;
}
const feed: Change[] = [1, 2, 3].flatMap((lsn) => ['orders', 'invoices'].map((table) => ({ table, lsn, row: `${table}#${lsn}` })));
const changesAfter = (from: PartitionOffsets<Offset> | undefined) =>
  Source.from(feed.filter((c) => c.lsn > (from?.offsets[c.table]?.lsn ?? 0)));
const published: string[] = [];
const publish = async (change: Change): Promise<string> => {
  published.push(change.row);
  return change.row;
};

describe('docs/state.md', () => {
  beforeEach(() => void (published.length = 0));

  it('a checkpointed job (file store): commits what was published, and a restart resumes after it', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'tributary-doc-'));
    try {
      const runOnce = async () => {
        const store = new FileCheckpointStore<PartitionOffsets<Offset>>({ directory });
        const committer = CheckpointCommitter.perPartition(store, 'sql-1/shop', {
          partitionOf: (o: Offset) => o.table,
          compare: (a, b) => a.lsn - b.lsn,
        });
        const resumeFrom = await committer.load();
        const control = changesAfter(resumeFrom)
          .viaMat(KillSwitches.single(), Keep.right)
          .asSourceWithContext((change) => ({ table: change.table, lsn: change.lsn }))
          .mapAsync(8, publish)
          .toMat(Committer.sinkWithContext(committer, { maxBatch: 500, maxIntervalMs: 1000 }), DrainingControl.create)
          .run();
        await control.streamCompletion;
        return (await store.load('sql-1/shop'))?.value;
      };
      expect(await runOnce()).toEqual({ offsets: { orders: { table: 'orders', lsn: 3 }, invoices: { table: 'invoices', lsn: 3 } } });
      expect(published).toHaveLength(6);
      await runOnce();
      expect(published).toHaveLength(6); // nothing after the checkpoint: nothing republished
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('leases: withLease runs the job as the owner, then releases the lease', async () => {
    const container = blobContainer({ container: (await freshContainer()).containerName, connectionString: sharedAzurite() });
    const store = new BlobCheckpointStore<PartitionOffsets<Offset>>({ container, prefix: 'checkpoints/' });
    const lease = store.lease('sql-1/shop', { durationSeconds: 60 });

    const control = await withLease(lease, async () => {
      const committer = CheckpointCommitter.perPartition(store, 'sql-1/shop', { partitionOf: (o: Offset) => o.table });
      const resumeFrom = await committer.load();
      return changesAfter(resumeFrom)
        .viaMat(KillSwitches.single(), Keep.right)
        .asSourceWithContext((c) => ({ table: c.table, lsn: c.lsn }))
        .mapAsync(8, publish)
        .toMat(Committer.sinkWithContext(committer, { maxBatch: 500, maxIntervalMs: 1000 }), DrainingControl.create);
    });
    expect(lease.isHeld).toBe(true);
    await control.streamCompletion;
    expect(lease.isHeld).toBe(false);
    expect((await container.getBlobClient('checkpoints/sql-1/shop.json').getProperties()).leaseState).toBe('available');
    expect((await store.load('sql-1/shop'))?.value.offsets.orders?.lsn).toBe(3);
  });
});
