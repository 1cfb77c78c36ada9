import { randomUUID } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { Source, StageFailure, rootCause } from 'tributary';
import { BlobStorageError, blobContainer } from 'tributary/azure';
import { toRecordBatches } from 'tributary/flows/arrow';
import { blobStore, lakeSink } from 'tributary/sinks/blob';
import { freshContainer, sharedAzurite } from '../../support/azurite';
import { lakeScenarios } from './lake-scenarios';

let container: ContainerClient;

async function names(uncommitted: boolean): Promise<string[]> {
  const out: string[] = [];
  for await (const b of container.listBlobsFlat({ includeUncommitedBlobs: uncommitted })) out.push(b.name);
  return out.sort();
}

describe('lake sink on Azure Blob Storage (Azurite)', () => {
  lakeScenarios(async () => {
    container = await freshContainer();
    const store = blobStore({ container, blockSize: 4 * 1024 }); // small blocks: files are staged in several blocks
    return {
      store,
      visible: () => store.list(),
      staged: async () => {
        const visible = new Set(await names(false));
        return (await names(true)).filter((n) => !visible.has(n));
      },
    };
  });

  it('stages a file in blocks and commits the block list once, with the format content type', async () => {
    container = await freshContainer();
    const store = blobStore({ container, blockSize: 1024 });
    const rows = Array.from({ length: 2_000 }, (_, i) => ({ id: i, text: `row ${i}` }));
    const summary = await Source.from(rows)
      .via(toRecordBatches({ inferFrom: 'first', maxRows: 500 }))
      .runWith(lakeSink({ store, streamId: 's', format: 'arrow-ipc-stream' }));
    const [path] = await store.list();
    const blob = container.getBlockBlobClient(path!);
    const blocks = await blob.getBlockList('all');
    expect(blocks.committedBlocks!.length).toBeGreaterThanOrEqual(4); // a block per batch of ≥ 1 KiB, plus the end
    expect(blocks.uncommittedBlocks ?? []).toEqual([]);
    expect((await blob.getProperties()).contentType).toBe('application/vnd.apache.arrow.stream');
    expect(summary.bytes).toBe((await blob.getProperties()).contentLength);
  });

  it('creates the container when asked, and fails with a BlobStorageError naming the container otherwise', async () => {
    const absent = blobContainer({ container: `absent-${randomUUID()}`, connectionString: sharedAzurite() });
    const failure = await Source.single({ a: 1 })
      .via(toRecordBatches({ inferFrom: 'first' }))
      .runWith(lakeSink({ store: blobStore({ container: absent, retry: { maxAttempts: 1 } }), streamId: 'x' }))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StageFailure);
    const cause = rootCause(failure) as BlobStorageError;
    expect(cause).toBeInstanceOf(BlobStorageError);
    expect(cause.message).toContain(`container '${absent.containerName}' does not exist`);

    const created = blobStore({ container: absent, createContainer: true });
    await Source.single({ a: 1 }).via(toRecordBatches({ inferFrom: 'first' })).runWith(lakeSink({ store: created, streamId: 'x' }));
    expect(await created.list('data/x/')).toHaveLength(1);
    await absent.delete();
  });
});
