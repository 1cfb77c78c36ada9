import type { ContainerClient } from '@azure/storage-blob';
import {
  CheckpointCommitter,
  CheckpointConflictError,
  Committer,
  DrainingControl,
  Keep,
  KillSwitches,
  LeaseLostError,
  Source,
  withLease,
  type BoundedSourceQueue,
  type PartitionOffsets,
} from 'tributary';
import { BlobCheckpointStore, type BlobLease } from 'tributary/azure';
import { freshContainer } from '../support/azurite';
import { eventually } from '../support/eventually';

interface Offset {
  readonly table: string;
  readonly lsn: number;
}
type Doc = PartitionOffsets<Offset>;
const options = { partitionOf: (o: Offset) => o.table };

describe('fencing by the checkpoint blob’s lease', () => {
  let container: ContainerClient;
  const leases: BlobLease[] = [];
  beforeEach(async () => {
    container = await freshContainer();
  });
  afterEach(async () => void (await Promise.allSettled(leases.splice(0).map((l) => l.release()))));

  /** A "replica": its own store (as another process would have) and a lease on the checkpoint blob. */
  function replica(): { store: BlobCheckpointStore<Doc>; lease: BlobLease } {
    const store = new BlobCheckpointStore<Doc>({ container });
    const lease = store.lease('orders', { durationSeconds: 15 });
    leases.push(lease);
    return { store, lease };
  }

  it('a deposed owner’s checkpoint write is refused (412) and its stream aborts with LeaseLostError', async () => {
    const a = replica();
    let queue: BoundedSourceQueue<Offset> | undefined;
    const control = await withLease(a.lease, async () => {
      const committer = CheckpointCommitter.perPartition(a.store, 'orders', options);
      await committer.load();
      return Source.queue<Offset>(16)
        .viaMat(KillSwitches.single(), Keep.both)
        .toMat(Committer.sink(committer, { maxBatch: 1, maxIntervalMs: 10 }), Keep.both)
        .mapMaterializedValue(([[q, killSwitch], done]) => {
          queue = q;
          return DrainingControl.create(killSwitch, done);
        });
    });
    queue!.offer({ table: 'orders', lsn: 1 });
    await eventually(async () => expect((await a.store.load('orders'))?.value.offsets.orders?.lsn).toBe(1));

    // Test setup only: break A's lease, as if it had expired while A was paused (GC, VM freeze); B takes over.
    await container.getBlobClient('orders.json').getBlobLeaseClient().breakLease(0);
    const b = replica();
    await b.lease.acquire();
    const committerB = CheckpointCommitter.perPartition(b.store, 'orders', options);
    await committerB.load();
    await committerB.commit([{ table: 'orders', lsn: 100 }]);

    // A has not noticed yet (its next renewal is seconds away): the service refuses its next checkpoint.
    expect(a.lease.isHeld).toBe(true);
    queue!.offer({ table: 'orders', lsn: 2 });
    const error = await control.streamCompletion.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    // The write got 412 (Azurite checks the ETag first, as B wrote since; else LeaseIdMismatchWithBlobOperation);
    // the store confirmed by renewing, which the service refused: A's lease is gone.
    expect((error as Error).message).toMatch(/^lost the lease on blob 'orders.json' in container '.*': renewal refused \(409 LeaseIdMismatchWithLeaseOperation/);
    expect(a.lease.isHeld).toBe(false);
    expect(queue!.offer({ table: 'orders', lsn: 3 })).not.toBe('enqueued');
    expect((await b.store.load('orders'))?.value.offsets.orders?.lsn).toBe(100);
    expect(b.lease.isHeld).toBe(true);
  });

  it('a write under a lease another owner has taken is refused by the service even before the owner notices', async () => {
    const a = replica();
    await a.lease.acquire();
    const v1 = await a.store.save('orders', { offsets: {} }, undefined);
    await container.getBlobClient('orders.json').getBlobLeaseClient().breakLease(0); // test setup only
    const b = replica();
    await b.lease.acquire();
    expect(a.lease.isHeld).toBe(true);
    const onLost = jest.fn();
    a.lease.onLost(onLost);
    const error = await a.store.save('orders', { offsets: { x: { table: 'x', lsn: 1 } } }, v1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as Error).message).toMatch(/: the service refused to write checkpoint 'orders' \(412 LeaseIdMismatchWithBlobOperation\)$/);
    expect(onLost).toHaveBeenCalledWith(error);
    expect((await b.store.load('orders'))?.value).toEqual({ offsets: {} });
  });

  it('a store refuses locally to write a key whose lease it does not hold', async () => {
    const a = replica();
    await expect(a.store.save('orders', { offsets: {} }, undefined)).rejects.toThrow(
      /^lost the lease on blob 'orders.json' in container '.*': checkpoint 'orders' not written: the lease is not held$/,
    );
    await a.lease.acquire();
    const version = await a.store.save('orders', { offsets: {} }, undefined); // replaces the lease's empty placeholder
    await a.lease.release();
    await expect(a.store.save('orders', { offsets: {} }, version)).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('a writer without a lease cannot overwrite a leased checkpoint: conflict, not a silent overwrite', async () => {
    const owner = replica();
    await owner.lease.acquire();
    const v1 = await owner.store.save('orders', { offsets: { t: { table: 't', lsn: 1 } } }, undefined);
    const outsider = new BlobCheckpointStore<Doc>({ container });
    const error = await outsider.save('orders', { offsets: {} }, v1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointConflictError);
    expect((error as Error).message).toMatch(/the blob is leased by another owner: 412 LeaseIdMissing/);
    expect((await outsider.load('orders'))?.value.offsets.t?.lsn).toBe(1);
  });
});
