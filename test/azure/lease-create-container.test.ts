import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobCheckpointStore, BlobStorageError } from 'tributary/azure';
import { sharedAzurite } from '../support/azurite';

/** A container name nobody created yet. */
const missingContainer = () => BlobServiceClient.fromConnectionString(sharedAzurite(), { retryOptions: { maxTries: 1 } }).getContainerClient(`t-${randomUUID()}`);

// Regression: a store with createContainer: true created its container on the first save only, so a job that
// acquires the store's lease before its first checkpoint (as a CDC job under withLease does) failed on a new
// container with "container … does not exist (create it, or set createContainer)" although it had set it.
describe('BlobCheckpointStore({ createContainer: true }).lease(key)', () => {
  it('creates the missing container (and the empty blob) when acquiring, then saves under the lease', async () => {
    const container = missingContainer();
    const store = new BlobCheckpointStore<{ n: number }>({ container, prefix: 'checkpoints/', createContainer: true });
    const lease = store.lease('orders', { durationSeconds: 15 });
    try {
      await lease.acquire();
      expect(lease.isHeld).toBe(true);
      expect(await store.load('orders')).toBeUndefined(); // the empty blob the lease created
      await store.save('orders', { n: 1 }, undefined);
      expect((await store.load('orders'))?.value).toEqual({ n: 1 });
    } finally {
      await lease.release();
      await container.deleteIfExists();
    }
  });

  it('without createContainer a missing container still fails at once, naming it', async () => {
    const container = missingContainer();
    const lease = new BlobCheckpointStore<{ n: number }>({ container }).lease('orders', { durationSeconds: 15 });
    const error = await lease.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobStorageError);
    expect((error as Error).message).toContain(`container '${container.containerName}' does not exist`);
  });
});
