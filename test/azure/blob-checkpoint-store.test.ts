import { randomUUID } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { CheckpointConflictError, type CheckpointSchema } from 'tributary';
import { BlobCheckpointStore, BlobStorageError, blobContainer } from 'tributary/azure';
import { blobEndpointOf, connectionStringVia, freshContainer, sharedAzurite } from '../support/azurite';
import { describeCheckpointStoreContract } from '../support/checkpoint-store-contract';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';

describeCheckpointStoreContract('BlobCheckpointStore', async () => {
  const container = await freshContainer();
  return { open: <T>(schema?: CheckpointSchema<T>) => new BlobCheckpointStore<T>({ container, schema, prefix: 'checkpoints/' }) };
});

describe('BlobCheckpointStore', () => {
  it('stores key k as the JSON blob <prefix>k.json; the version is its ETag', async () => {
    const container = await freshContainer();
    const store = new BlobCheckpointStore<{ lsn: string }>({ container, prefix: 'cdc/' });
    const version = await store.save('sql-1/orders', { lsn: '0x01' }, undefined);
    const blob = container.getBlockBlobClient('cdc/sql-1/orders.json');
    const props = await blob.getProperties();
    expect(version).toBe(props.etag);
    expect(props.contentType).toBe('application/json');
    expect(JSON.parse((await blob.downloadToBuffer()).toString())).toEqual({ schemaVersion: 1, value: { lsn: '0x01' } });
    expect(store.blobName('a/b')).toBe('cdc/a/b.json');
  });

  it('creates the container on first use when createContainer is set, and names it when it is missing', async () => {
    const name = `t-missing-${randomUUID()}`;
    const container = blobContainer({ container: name, connectionString: sharedAzurite() });
    const error = await new BlobCheckpointStore<number>({ container }).save('k', 1, undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobStorageError);
    expect((error as Error).message).toBe(
      `save checkpoint of blob 'k.json' in container '${name}' failed: container '${name}' does not exist (create it, or set createContainer)`,
    );
    const store = new BlobCheckpointStore<number>({ container, createContainer: true });
    await store.save('k', 1, undefined);
    expect((await store.load('k'))?.value).toBe(1);
  });

  it('fails at once on an access error, naming container and blob and what to check', async () => {
    const container = await freshContainer();
    const proxy = await startFaultProxy(new URL(blobEndpointOf(sharedAzurite())).origin);
    try {
      const wrongKey = connectionStringVia(proxy.origin).replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from('not the key').toString('base64')}`);
      const denied = blobContainer({ container: container.containerName, connectionString: wrongKey });
      const store = new BlobCheckpointStore<number>({ container: denied, retry: { maxAttempts: 5 } });
      const error = await store.save('orders', 1, undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlobStorageError);
      expect(error).toMatchObject({ statusCode: 403, transient: false, container: container.containerName, blob: 'orders.json' });
      expect((error as Error).message).toMatch(
        new RegExp(`^save checkpoint of blob 'orders.json' in container '${container.containerName}' was refused \\(403 AuthorizationFailure: .*\\): check the credential`),
      );
      expect(proxy.requests).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  describe('through a faulty network', () => {
    let proxy: FaultProxy;
    let store: BlobCheckpointStore<number>;
    let container: ContainerClient;
    beforeEach(async () => {
      container = await freshContainer();
      proxy = await startFaultProxy(new URL(blobEndpointOf(sharedAzurite())).origin);
      const viaProxy = blobContainer({ container: container.containerName, connectionString: connectionStringVia(proxy.origin) });
      store = new BlobCheckpointStore<number>({ container: viaProxy, retry: { baseDelayMs: 1, maxAttempts: 3, attemptTimeoutMs: 300 } });
    });
    afterEach(() => proxy.close());

    it('retries 5xx responses with backoff and succeeds', async () => {
      proxy.inject({ status: 503, code: 'ServerBusy' }, 2);
      const version = await store.save('k', 1, undefined);
      expect(proxy.requests).toBe(3);
      expect(await store.load('k')).toEqual({ value: 1, version });
    });

    it('gives up after maxAttempts with a transient BlobStorageError', async () => {
      proxy.inject({ status: 500, code: 'InternalError' }, 10);
      const error = await store.load('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlobStorageError);
      expect(error).toMatchObject({ transient: true, statusCode: 500, code: 'InternalError' });
      expect((error as Error).message).toMatch(/^load checkpoint of blob 'k.json' in container '.*' failed after 3 attempts, storage unavailable/);
      expect(proxy.requests).toBe(3);
    });

    it('aborts and retries an attempt that gets no answer within attemptTimeoutMs', async () => {
      proxy.inject('hang', 1);
      await store.save('k', 1, undefined);
      expect(proxy.requests).toBe(2);
      expect((await store.load('k'))?.value).toBe(1);
    });

    it('recognises its own write when the response was lost and the retry finds the ETag changed', async () => {
      const v1 = await store.save('k', 1, undefined);
      proxy.inject('drop-response', 1, (req) => req.method === 'PUT');
      const v2 = await store.save('k', 2, v1);
      expect(await store.load('k')).toEqual({ value: 2, version: v2 });
      await store.save('k', 3, v2);
    });

    it('still reports a conflict when a retried write finds someone else’s document', async () => {
      const v1 = await store.save('k', 1, undefined);
      proxy.inject('hang', 1, (req) => req.method === 'PUT');
      const other = new BlobCheckpointStore<number>({ container: directClient(container.containerName) });
      const racing = store.save('k', 2, v1);
      await other.save('k', 99, v1);
      await expect(racing).rejects.toBeInstanceOf(CheckpointConflictError);
      expect((await store.load('k'))?.value).toBe(99);
    });
  });
});

/** A direct (unproxied) client for container `name`. */
function directClient(name: string): ContainerClient {
  return BlobServiceClient.fromConnectionString(sharedAzurite()).getContainerClient(name);
}
