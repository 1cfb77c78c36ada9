import type { ContainerClient } from '@azure/storage-blob';
import { LeaseLostError } from 'tributary';
import { BlobLease, BlobStorageError, blobContainer, type BlobLeaseOptions } from 'tributary/azure';
import { TestClock } from 'tributary/testing';
import { blobEndpointOf, connectionStringVia, freshContainer, sharedAzurite } from '../support/azurite';
import { eventually } from '../support/eventually';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';

const BLOB = 'locks/orders';
const leases: BlobLease[] = [];
const releaseAll = async (): Promise<void> => void (await Promise.allSettled(leases.splice(0).map((l) => l.release())));
function lease(container: ContainerClient, options: BlobLeaseOptions = {}): BlobLease {
  const l = new BlobLease(container.getBlobClient(BLOB), { durationSeconds: 15, acquireRetryMs: 100, ...options });
  leases.push(l);
  return l;
}
afterEach(releaseAll);

/** The lease's loss, as a promise. */
function lost(l: BlobLease): Promise<LeaseLostError> {
  return new Promise((resolve) => l.onLost(resolve));
}

describe('BlobLease', () => {
  let container: ContainerClient;
  beforeEach(async () => {
    container = await freshContainer();
  });

  it('two contenders: exactly one owns, the other stands by without breaking the live lease', async () => {
    const a = lease(container);
    const b = lease(container);
    const owner = await Promise.race([a.acquire().then(() => a), b.acquire().then(() => b)]);
    const standby = owner === a ? b : a;
    expect(owner.isHeld).toBe(true);
    expect(standby.isHeld).toBe(false);
    expect(await lease(container).tryAcquire()).toBe(false);
    // The owner can still write under its lease id: nobody broke or took it.
    await container.getBlockBlobClient(BLOB).upload('x', 1, { conditions: { leaseId: owner.leaseId } });
    expect((await container.getBlobClient(BLOB).getProperties()).leaseState).toBe('leased');
  });

  it('the owner releases on shutdown and a waiting standby takes over at once (within one retry interval)', async () => {
    const owner = lease(container);
    await owner.acquire();
    const standby = lease(container, { acquireRetryMs: 200 });
    let acquiredAt: number | undefined;
    const waiting = standby.acquire().then(() => (acquiredAt = Date.now()));
    await new Promise((resolve) => setTimeout(resolve, 250)); // the standby has found the lease taken at least once
    expect(standby.isHeld).toBe(false);
    const releasedAt = Date.now();
    await owner.release();
    await waiting;
    expect(standby.isHeld).toBe(true);
    expect(owner.isHeld).toBe(false);
    // One retry interval (200 ms) plus request time, not the 15 s expiry (generous: CI machines can be slow).
    expect(acquiredAt! - releasedAt).toBeLessThan(5000);
  });

  it('renews every third of the duration while held (virtual clock), keeping the lease past its duration', async () => {
    const clock = new TestClock();
    const owner = lease(container, { scheduler: clock });
    const onLost = jest.fn();
    owner.onLost(onLost);
    await owner.acquire();
    for (let t = 5000; t <= 30_000; t += 5000) {
      clock.advance(5000);
      await eventually(() => expect(owner.lastRenewedAt).toBe(t));
    }
    expect(owner.isHeld).toBe(true);
    expect(onLost).not.toHaveBeenCalled();
    expect(await lease(container).tryAcquire()).toBe(false);
  });

  it('fires onLost as soon as a renewal is refused (409): another owner took the lease', async () => {
    const clock = new TestClock();
    const owner = lease(container, { scheduler: clock });
    await owner.acquire();
    const loss = lost(owner);
    await container.getBlobClient(BLOB).getBlobLeaseClient().breakLease(0); // test setup only: simulate expiry
    const usurper = lease(container);
    await usurper.acquire();
    clock.advance(5000);
    const error = await loss;
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/^lost the lease on blob 'locks\/orders' in container '.*': renewal refused \(409 LeaseIdMismatchWithLeaseOperation/);
    expect(clock.nowMs).toBe(5000);
    expect(owner.isHeld).toBe(false);
    expect(usurper.isHeld).toBe(true);
  });

  it('creates the blob to lease when it is missing, or fails naming it when createBlob is false', async () => {
    const created = lease(container);
    await created.acquire();
    expect((await container.getBlobClient(BLOB).getProperties()).contentLength).toBe(0);

    const other = new BlobLease(container.getBlobClient('missing'), { durationSeconds: 15, createBlob: false });
    const error = await other.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobStorageError);
    expect((error as Error).message).toMatch(/^acquire lease of blob 'missing' in container '.*' failed \(404 BlobNotFound/);
  });

  it('a standby stops waiting when its signal aborts, and makes no further attempts', async () => {
    const owner = lease(container);
    await owner.acquire();
    const clock = new TestClock();
    const proxy = await startFaultProxy(new URL(blobEndpointOf(sharedAzurite())).origin);
    try {
      const viaProxy = blobContainer({ container: container.containerName, connectionString: connectionStringVia(proxy.origin) });
      const standby = lease(viaProxy, { scheduler: clock });
      const controller = new AbortController();
      const waiting = standby.acquire(controller.signal);
      await eventually(() => expect(proxy.requests).toBe(1));
      controller.abort(new Error('SIGTERM'));
      await expect(waiting).rejects.toThrow('SIGTERM');
      await owner.release();
      clock.advance(60_000);
      expect(proxy.requests).toBe(1);
      expect(standby.isHeld).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('release() while acquiring stops the standby', async () => {
    const owner = lease(container);
    await owner.acquire();
    const standby = lease(container);
    const waiting = standby.acquire();
    await standby.release();
    await expect(waiting).rejects.toThrow(/released blob 'locks\/orders' .* while acquiring it/);
    expect(standby.isHeld).toBe(false);
  });

  describe('through a faulty network', () => {
    let proxy: FaultProxy;
    let viaProxy: ContainerClient;
    beforeEach(async () => {
      proxy = await startFaultProxy(new URL(blobEndpointOf(sharedAzurite())).origin);
      viaProxy = blobContainer({ container: container.containerName, connectionString: connectionStringVia(proxy.origin) });
      await container.getBlockBlobClient(BLOB).upload('', 0);
    });
    afterEach(async () => {
      await releaseAll();
      await proxy.close();
    });

    it('retries transient failures while acquiring', async () => {
      proxy.inject({ status: 503, code: 'ServerBusy' }, 2);
      const l = lease(viaProxy, { retry: { baseDelayMs: 1 } });
      await l.acquire();
      expect(l.isHeld).toBe(true);
      expect(proxy.requests).toBe(3);
    });

    it('keeps the lease through a failed renewal that is retried in time', async () => {
      const clock = new TestClock();
      const l = lease(viaProxy, { scheduler: clock });
      const onLost = jest.fn();
      l.onLost(onLost);
      await l.acquire();
      proxy.inject({ status: 500, code: 'InternalError' }, 1);
      clock.advance(5000); // renewal fails; retried after a quarter of the interval
      await eventually(() => expect(proxy.requests).toBe(2));
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(1250);
      await eventually(() => expect(l.lastRenewedAt).toBe(6250));
      expect(onLost).not.toHaveBeenCalled();
      expect(l.isHeld).toBe(true);
    });
  });

  it('validates its options', () => {
    const blob = {} as never;
    expect(() => new BlobLease(blob, { durationSeconds: 10 })).toThrow('BlobLease: durationSeconds must be an integer from 15 to 60, got 10');
    expect(() => new BlobLease(blob, { durationSeconds: -1 })).toThrow('durationSeconds must be an integer from 15 to 60, got -1');
    expect(() => new BlobLease(blob, { durationSeconds: 15, lossTimeoutMs: 15_000 })).toThrow(
      'BlobLease: lossTimeoutMs must be longer than renewIntervalMs (5000) and shorter than the duration (15000 ms), got 15000',
    );
    expect(() => new BlobLease(blob, { renewIntervalMs: 0 })).toThrow('BlobLease: renewIntervalMs must be a finite, positive number');
    expect(() => new BlobLease(blob, { acquireJitter: 2 })).toThrow('BlobLease: acquireJitter must be a number from 0 to 1, got 2');
  });
});
