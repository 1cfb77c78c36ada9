import { BlobLease } from 'tributary/azure';
import { TestClock } from 'tributary/testing';
import { freshContainer } from '../support/azurite';

// The one slow test: it waits for a real 15 s lease expiry on Azurite.
describe('BlobLease expiry', () => {
  it('the owner dies without releasing: the standby owns the lease within its duration plus one retry interval', async () => {
    const container = await freshContainer();
    const blob = container.getBlobClient('locks/orders');
    // The dead owner: its timers never run (frozen virtual clock), so it neither renews nor releases.
    const owner = new BlobLease(blob, { durationSeconds: 15, scheduler: new TestClock() });
    const beforeAcquire = Date.now();
    await owner.acquire();
    const acquired = Date.now();

    const retryMs = 1000;
    const standby = new BlobLease(blob, { durationSeconds: 15, acquireRetryMs: retryMs });
    await standby.acquire();
    const tookOver = Date.now();
    try {
      expect(tookOver - beforeAcquire).toBeGreaterThanOrEqual(15_000); // the live lease was never broken
      // Duration + one retry + request time (a generous allowance: CI machines can be slow).
      expect(tookOver - acquired).toBeLessThanOrEqual(15_000 + retryMs + 3_000);
      expect(standby.isHeld).toBe(true);
      // The dead owner's lease id no longer works.
      await expect(container.getBlockBlobClient('locks/orders').upload('x', 1, { conditions: { leaseId: owner.leaseId } })).rejects.toMatchObject({
        statusCode: 412,
      });
    } finally {
      await standby.release();
    }
  }, 30_000);
});
