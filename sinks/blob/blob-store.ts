/**
 * A `FileStore` on Azure Blob Storage: a file's bytes are staged as blocks (invisible) and the blob appears when
 * its block list is committed, once, in one request. Transient failures are retried like the checkpoint store's
 * (exponential backoff with jitter, per-attempt time limit); staging a block and committing a list are
 * idempotent, so retries are safe.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { blobContainer, type BlobContainerConfig } from '../../azure/connection';
import { timing, type TimingOptions } from '../../azure/scheduling';
import { StorageCaller, type BlobRetryOptions } from '../../azure/storage-call';
import { requirePositiveInt } from '../../src/core/validate';
import { concatBytes } from '../../flows/arrow/formats/format';
import { requireRelativePath, type FileStore, type FileUpload } from './file-store';

/** Options of `blobStore`. */
export interface BlobStoreOptions extends TimingOptions {
  /** The container: a `ContainerClient` (e.g. from `blobContainer`) or its configuration. */
  readonly container: ContainerClient | BlobContainerConfig;
  /** Creates the container on first use if it does not exist (handy with Azurite; default false). */
  readonly createContainer?: boolean;
  /** Bytes collected before a block is staged (default 4 MiB; Azure allows up to 50 000 blocks per blob). */
  readonly blockSize?: number;
  /** Retries of transient failures (defaults as for the checkpoint store). */
  readonly retry?: BlobRetryOptions;
}

/**
 * A store writing block blobs in `container`. Files become visible only when their block list is committed;
 * a failed or aborted file leaves only uncommitted blocks, which the service discards (after 7 days).
 * @example
 * const store = blobStore({ container: blobContainer({ container: 'lake', accountUrl: 'https://acct.blob.core.windows.net' }) });
 */
export function blobStore(options: BlobStoreOptions): FileStore {
  const op = 'blobStore';
  const container = isContainerClient(options?.container) ? options.container : blobContainer(options?.container as BlobContainerConfig);
  const blockSize = requirePositiveInt(op, 'blockSize', options.blockSize ?? 4 * 1024 * 1024);
  const caller = new StorageCaller(op, options.retry, timing(options));
  const target = (action: string, blob: string) => ({ action, container: container.containerName, blob });
  let ready: Promise<void> | undefined;
  const ensureContainer = (blob: string): Promise<void> => {
    if (!options.createContainer) return Promise.resolve();
    ready ??= caller.call(target('create container', blob), (abortSignal) => container.createIfNotExists({ abortSignal })).then(
      () => undefined,
      (e: unknown) => {
        ready = undefined;
        throw e;
      },
    );
    return ready;
  };

  return {
    description: `container '${container.containerName}'`,
    async create(path, contentType) {
      requireRelativePath(`${op}.create`, path);
      await ensureContainer(path);
      const blob = container.getBlockBlobClient(path);
      const blocks: string[] = [];
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const stage = async (): Promise<void> => {
        if (pendingBytes === 0) return;
        const body = Buffer.from(concatBytes(pending));
        const id = Buffer.from(`block-${String(blocks.length).padStart(6, '0')}`).toString('base64');
        await caller.call(target('stage block', path), (abortSignal) => blob.stageBlock(id, body, body.byteLength, { abortSignal }));
        blocks.push(id);
        pending = [];
        pendingBytes = 0;
      };
      const upload: FileUpload = {
        async append(chunks) {
          for (const c of chunks) {
            pending.push(c);
            pendingBytes += c.byteLength;
          }
          if (pendingBytes >= blockSize) await stage();
        },
        async commit() {
          await stage();
          await caller.call(target('commit block list', path), (abortSignal) =>
            blob.commitBlockList(blocks, { abortSignal, blobHTTPHeaders: { blobContentType: contentType } }),
          );
        },
        async abort() {
          pending = [];
          pendingBytes = 0;
        },
      };
      return upload;
    },
    async put(path, bytes, contentType) {
      requireRelativePath(`${op}.put`, path);
      await ensureContainer(path);
      const blob = container.getBlockBlobClient(path);
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      await caller.call(target('upload', path), (abortSignal) =>
        blob.upload(body, body.byteLength, { abortSignal, blobHTTPHeaders: { blobContentType: contentType } }),
      );
    },
    async list(prefix = '') {
      const names: string[] = [];
      await caller.call(target('list', `${prefix}*`), async (abortSignal) => {
        names.length = 0;
        for await (const b of container.listBlobsFlat({ prefix, abortSignal })) names.push(b.name);
      });
      return names.sort();
    },
    async read(path) {
      requireRelativePath(`${op}.read`, path);
      return caller.call(target('download', path), (abortSignal) => container.getBlobClient(path).downloadToBuffer(undefined, undefined, { abortSignal }));
    },
  };
}

function isContainerClient(x: unknown): x is ContainerClient {
  return typeof (x as ContainerClient | undefined)?.getBlockBlobClient === 'function';
}
