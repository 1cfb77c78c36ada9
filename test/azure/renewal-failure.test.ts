import { LeaseLostError, Sink, Source, DrainingControl, Keep, KillSwitches, withLease } from 'tributary';
import { BlobCheckpointStore, blobContainer } from 'tributary/azure';
import { TestClock } from 'tributary/testing';
import { freshContainer, startAzurite, type AzuriteServer } from '../support/azurite';
import { eventually } from '../support/eventually';

describe('lease renewal failure', () => {
  let azurite: AzuriteServer;
  beforeEach(async () => {
    azurite = await startAzurite(); // a private instance: this test stops it
  });
  afterEach(() => azurite.stop());

  it('storage unreachable: onLost fires before the lease could expire, and the stream stops emitting', async () => {
    const name = (await freshContainer(azurite.connectionString)).containerName;
    const clock = new TestClock(); // the lease's timers; the stream runs in real time
    const store = new BlobCheckpointStore<number>({ container: blobContainer({ container: name, connectionString: azurite.connectionString }), scheduler: clock });
    const lease = store.lease('orders', { durationSeconds: 15 }); // renews every 5 s; lost after 10 s without renewal
    let lostAt: number | undefined;
    lease.onLost(() => (lostAt = clock.nowMs));
    let emitted = 0;
    const control = await withLease(
      lease,
      Source.tick(0, 1, 'change')
        .viaMat(KillSwitches.single(), Keep.right)
        .toMat(Sink.forEach(() => void emitted++), DrainingControl.create),
    );
    await eventually(() => expect(emitted).toBeGreaterThan(0)); // the stream runs in real time

    await azurite.stop();
    clock.advance(9_999); // renewals at 5 s (and its retry) fail: storage is down, but the lease is not given up yet
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the failed renewals come back
    expect(lostAt).toBeUndefined();
    expect(lease.isHeld).toBe(true);

    clock.advance(1); // 10 s without a successful renewal: a third of the duration before the lease can expire
    expect(lostAt).toBe(10_000);
    expect(lease.isHeld).toBe(false);
    const error = await control.streamCompletion.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as Error).message).toMatch(/^lost the lease on blob 'orders.json' in container '.*': no renewal succeeded for 10000 ms$/);
    const stoppedAt = emitted;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(emitted).toBe(stoppedAt);
  });
});
