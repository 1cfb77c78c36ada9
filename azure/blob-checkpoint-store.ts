import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { CheckpointConflictError, type CheckpointSchema, type CheckpointStore, type Versioned } from 'tributary';
import { CheckpointCodec } from '../src/state/document';
import { requireCheckpointKey } from '../src/state/keys';
import { BlobLease, type BlobLeaseOptions } from './blob-lease';
import { timing, type Timing, type TimingOptions } from './scheduling';
import { StorageCaller, storageErrorCode, type BlobRetryOptions, type CallTarget } from './storage-call';

/** Options of `BlobCheckpointStore`. */
export interface BlobCheckpointStoreOptions<T> extends TimingOptions {
  /** The container holding the checkpoints (see `blobContainer`). */
  readonly container: ContainerClient;
  /** Prepended to every blob name, e.g. `checkpoints/` (default none): key `k` is blob `<prefix>k.json`. */
  readonly prefix?: string;
  /**
   * Create the container on first use if it does not exist — by a save, or by acquiring one of the store's leases
   * (default false: production containers are provisioned).
   */
  readonly createContainer?: boolean;
  readonly schema?: CheckpointSchema<T>;
  /** Retries of transient failures (5xx, 408, 429, network errors, time-outs). */
  readonly retry?: BlobRetryOptions;
}

/** Service error codes of a write refused because of the blob's lease (all 412). */
const LEASE_REFUSALS = new Set(['LeaseIdMissing', 'LeaseIdMismatchWithBlobOperation', 'LeaseNotPresentWithBlobOperation', 'LeaseLost']);

/**
 * Checkpoints in Azure Blob Storage, one JSON blob per key. The version is the blob's ETag: a save is a
 * conditional write (`If-Match: <etag>`, or `If-None-Match: *` for the first one), so a lost race is a
 * `CheckpointConflictError`.
 *
 * `lease(key)` gives a `BlobLease` on the key's own blob. While it exists, every write of that key carries the
 * lease id and is refused locally unless the lease is held; a write the service refuses because another owner
 * holds the lease (412) marks the lease lost and fails with `LeaseLostError`. A deposed owner therefore cannot
 * overwrite the new owner's checkpoint, even before it notices the loss.
 *
 * Transient failures are retried with backoff; a retried write whose first attempt did land is recognised (same
 * content) instead of being reported as a conflict. Access errors fail at once, naming container and blob.
 *
 * @example
 * const container = blobContainer({ container: 'state', accountUrl: 'https://acct.blob.core.windows.net' });
 * const store = new BlobCheckpointStore<Offsets>({ container, prefix: 'checkpoints/' });
 * const lease = store.lease('sql-1/orders');  // leases blob checkpoints/sql-1/orders.json
 */
export class BlobCheckpointStore<T> implements CheckpointStore<T> {
  private readonly container: ContainerClient;
  private readonly prefix: string;
  private readonly codec: CheckpointCodec<T>;
  private readonly timing: Timing;
  private readonly retry: BlobRetryOptions | undefined;
  private readonly caller: StorageCaller;
  private readonly leases = new Map<string, BlobLease>();
  private readonly createContainer: boolean;
  private containerReady: Promise<void> | undefined;

  constructor(options: BlobCheckpointStoreOptions<T>) {
    const op = 'BlobCheckpointStore';
    if (typeof options?.container?.getBlockBlobClient !== 'function') {
      throw new TypeError(`${op}: container must be a ContainerClient (see blobContainer), got ${String(options?.container)}`);
    }
    if (options.prefix !== undefined && typeof options.prefix !== 'string') {
      throw new TypeError(`${op}: prefix must be a string, got ${String(options.prefix)}`);
    }
    this.container = options.container;
    this.prefix = options.prefix ?? '';
    this.codec = new CheckpointCodec(op, options.schema);
    this.timing = timing(options);
    this.retry = options.retry;
    this.caller = new StorageCaller(op, options.retry, this.timing);
    this.createContainer = options.createContainer ?? false;
  }

  /** The blob name of `key`. */
  blobName(key: string): string {
    return `${this.prefix}${requireCheckpointKey('BlobCheckpointStore', key)}.json`;
  }

  /**
   * A lease on `key`'s checkpoint blob; from now on this store writes `key` only while it is held. Timing and
   * retry settings default to the store's. One lease per key and store.
   */
  lease(key: string, options: BlobLeaseOptions = {}): BlobLease {
    const name = this.blobName(key);
    if (this.leases.has(key)) throw new Error(`BlobCheckpointStore.lease: a lease on checkpoint '${key}' was already created by this store`);
    const lease = new BlobLease(this.container.getBlobClient(name), {
      scheduler: this.timing.scheduler,
      random: this.timing.random,
      retry: this.retry,
      createContainer: this.createContainer ? () => this.ensureContainer(key) : undefined,
      ...options,
    });
    this.leases.set(key, lease);
    return lease;
  }

  async load(key: string): Promise<Versioned<T> | undefined> {
    const blob = this.blob(key);
    const raw = await this.read(key, blob);
    // An empty blob is the placeholder a lease creates before the first checkpoint.
    if (raw === undefined || raw.text === '') return undefined;
    return { value: this.codec.decode(raw.text, key, blob.url), version: raw.etag };
  }

  async save(key: string, value: T, expectedVersion: string | undefined): Promise<string> {
    const blob = this.blob(key);
    const text = this.codec.encode(value);
    const lease = this.heldLease(key, 'written');
    await this.ensureContainer(key);
    const target = this.target('save checkpoint', blob);
    const body = Buffer.from(text, 'utf8');
    const upload = async (conditions: { ifMatch: string } | { ifNoneMatch: '*' }): Promise<string> => {
      let retried = false;
      try {
        const response = await this.caller.call(
          target,
          (abortSignal, attempt) => {
            retried = attempt > 1;
            return blob.upload(body, body.length, {
              abortSignal,
              conditions: { ...conditions, leaseId: lease?.leaseId },
              blobHTTPHeaders: { blobContentType: 'application/json' },
            });
          },
          { expected: isWriteRefusal },
        );
        return response.etag ?? '';
      } catch (e) {
        if (!isWriteRefusal(e)) throw e;
        this.throwIfLeaseRefusal(key, e, lease, expectedVersion, 'write');
        const current = await this.read(key, blob);
        if (expectedVersion === undefined && current?.text === '' && 'ifNoneMatch' in conditions) {
          return upload({ ifMatch: current.etag }); // replace the lease's empty placeholder
        }
        if (retried && current?.text === text) return current.etag; // our earlier attempt landed
        throw await this.conflict(key, e, lease, expectedVersion, current?.etag, 'write');
      }
    };
    return upload(expectedVersion === undefined ? { ifNoneMatch: '*' } : { ifMatch: expectedVersion });
  }

  async delete(key: string, expectedVersion?: string): Promise<void> {
    const blob = this.blob(key);
    const lease = this.heldLease(key, 'deleted');
    await this.ensureContainer(key);
    try {
      await this.caller.call(
        this.target('delete checkpoint', blob),
        (abortSignal) => blob.delete({ abortSignal, conditions: { ifMatch: expectedVersion, leaseId: lease?.leaseId } }),
        { expected: (e) => isWriteRefusal(e) || storageErrorCode(e).code === 'BlobNotFound' },
      );
    } catch (e) {
      if (!isWriteRefusal(e) && storageErrorCode(e).code !== 'BlobNotFound') throw e;
      this.throwIfLeaseRefusal(key, e, lease, expectedVersion, 'delete');
      if (storageErrorCode(e).code === 'BlobNotFound' && expectedVersion === undefined) return;
      throw await this.conflict(key, e, lease, expectedVersion, (await this.read(key, blob))?.etag, 'delete');
    }
  }

  private blob(key: string): BlockBlobClient {
    return this.container.getBlockBlobClient(this.blobName(key));
  }

  /** The lease to write `key` under, if one was created; fails with `LeaseLostError` if it is not held. */
  private heldLease(key: string, action: string): BlobLease | undefined {
    const lease = this.leases.get(key);
    if (lease !== undefined && !lease.isHeld) throw lease.invalidate(`checkpoint '${key}' not ${action}: the lease is not held`);
    return lease;
  }

  /** A write refused because of the blob's lease: ours is gone (`LeaseLostError`), or another owner holds it. */
  private throwIfLeaseRefusal(key: string, error: unknown, lease: BlobLease | undefined, expectedVersion: string | undefined, action: string): void {
    const { code } = storageErrorCode(error);
    if (code === undefined || !LEASE_REFUSALS.has(code)) return;
    if (lease !== undefined) throw lease.invalidate(`the service refused to ${action} checkpoint '${key}' (412 ${code})`, error);
    throw new CheckpointConflictError(key, expectedVersion, undefined, `the blob is leased by another owner: 412 ${code}`);
  }

  /**
   * The error for a version mismatch. Under a lease, a mismatch usually means the lease was lost and another
   * owner wrote (the service may check the ETag before the lease), so ownership is checked with a renewal: if it
   * is refused, this is a `LeaseLostError`; otherwise a genuine `CheckpointConflictError`.
   */
  private async conflict(
    key: string,
    error: unknown,
    lease: BlobLease | undefined,
    expectedVersion: string | undefined,
    actualVersion: string | undefined,
    action: string,
  ): Promise<Error> {
    const conflict = new CheckpointConflictError(key, expectedVersion, actualVersion);
    if (lease === undefined) return conflict;
    await lease.renewNow();
    if (lease.isHeld) return conflict;
    const { status, code } = storageErrorCode(error);
    return lease.invalidate(`the service refused to ${action} checkpoint '${key}' (${status} ${code}) and the lease is no longer held`, conflict);
  }

  /** The blob's text and ETag, or `undefined` if it does not exist. */
  private async read(key: string, blob: BlockBlobClient): Promise<{ readonly text: string; readonly etag: string } | undefined> {
    await this.ensureContainer(key);
    try {
      return await this.caller.call(
        this.target('load checkpoint', blob),
        async (abortSignal) => {
          const response = await blob.download(0, undefined, { abortSignal });
          const text = response.readableStreamBody === undefined ? '' : await readText(response.readableStreamBody);
          return { text, etag: response.etag ?? '' };
        },
        { expected: (e) => storageErrorCode(e).code === 'BlobNotFound' },
      );
    } catch (e) {
      if (storageErrorCode(e).code === 'BlobNotFound') return undefined;
      throw e;
    }
  }

  private ensureContainer(key: string): Promise<void> {
    if (!this.createContainer) return Promise.resolve();
    this.containerReady ??= this.caller
      .call(this.target('create container for checkpoint', this.blob(key)), (abortSignal) => this.container.createIfNotExists({ abortSignal }))
      .then(
        () => undefined,
        (e: unknown) => {
          this.containerReady = undefined;
          throw e;
        },
      );
    return this.containerReady;
  }

  private target(action: string, blob: BlockBlobClient): CallTarget {
    return { action, container: this.container.containerName, blob: blob.name };
  }
}

/** 409 (exists, for create-only writes) and 412 (ETag or lease condition) are answers, not failures. */
function isWriteRefusal(error: unknown): boolean {
  const { status } = storageErrorCode(error);
  return status === 409 || status === 412;
}

async function readText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
