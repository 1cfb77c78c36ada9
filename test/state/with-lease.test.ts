import { DrainingControl, Keep, KillSwitches, LeaseLostError, rootCause, Sink, withLease, type Lease } from 'tributary';
import { TestSource, type SourceProbe } from 'tributary/testing';

/** A lease the test grants and takes away by hand; records what happens to it. */
class HandLease implements Lease {
  readonly description = 'hand lease';
  isHeld = false;
  readonly events: string[] = [];
  private grantNow: (() => void) | undefined;
  private readonly listeners = new Set<(e: LeaseLostError) => void>();

  acquire(signal?: AbortSignal): Promise<void> {
    this.events.push('acquire');
    return new Promise((resolve, reject) => {
      this.grantNow = () => {
        this.isHeld = true;
        this.events.push('acquired');
        resolve();
      };
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }
  async release(): Promise<void> {
    this.events.push(this.isHeld ? 'released' : 'release (not held)');
    this.isHeld = false;
  }
  onLost(listener: (e: LeaseLostError) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  grant(): void {
    this.grantNow?.();
  }
  lose(): LeaseLostError {
    const error = new LeaseLostError('taken over by replica-2');
    this.isHeld = false;
    this.events.push('lost');
    for (const l of this.listeners) l(error);
    return error;
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
}

/** A probe-driven graph materializing a DrainingControl; records elements and when the stream stopped. */
function probeGraph(lease: HandLease) {
  const seen: number[] = [];
  let probe: SourceProbe<number> | undefined;
  let materialized = 0;
  const graph = TestSource.probe<number>()
    .viaMat(KillSwitches.single(), Keep.both)
    .toMat(Sink.forEach<number>((x) => void seen.push(x)), Keep.both)
    .mapMaterializedValue(([[p, killSwitch], done]) => {
      probe = p;
      materialized++;
      lease.events.push(`materialized (held=${lease.isHeld})`);
      const stopped = done.finally(() => lease.events.push('stream stopped'));
      stopped.catch(() => undefined);
      return DrainingControl.create(killSwitch, stopped);
    });
  return { graph, seen, probe: () => probe!, materialized: () => materialized };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('withLease', () => {
  it('materializes only once the lease is acquired', async () => {
    const lease = new HandLease();
    const { graph, materialized } = probeGraph(lease);
    const running = withLease(lease, graph);
    await flush();
    expect(materialized()).toBe(0);
    lease.grant();
    const control = await running;
    expect(lease.events).toEqual(['acquire', 'acquired', 'materialized (held=true)']);
    await control.drainAndShutdown();
  });

  it('builds the graph with the factory after acquiring (e.g. to read the checkpoint as the owner)', async () => {
    const lease = new HandLease();
    const { graph } = probeGraph(lease);
    const factory = jest.fn(async () => {
      lease.events.push('factory');
      return graph;
    });
    const running = withLease(lease, factory);
    await flush();
    expect(factory).not.toHaveBeenCalled();
    lease.grant();
    await (await running).drainAndShutdown();
    expect(lease.events.slice(0, 4)).toEqual(['acquire', 'acquired', 'factory', 'materialized (held=true)']);
  });

  it('on loss aborts the stream (source cancelled, nothing more delivered) and fails with the LeaseLostError', async () => {
    const lease = new HandLease();
    const { graph, seen, probe } = probeGraph(lease);
    const running = withLease(lease, graph);
    lease.grant();
    const control = await running;
    probe().sendNext(1).sendNext(2);
    expect(seen).toEqual([1, 2]);
    const lost = lease.lose();
    await expect(control.streamCompletion).rejects.toBe(lost);
    expect(lost.transient).toBe(true);
    expect(probe().isCancelled).toBe(true);
    expect(() => probe().sendNext(3)).not.toThrow();
    expect(seen).toEqual([1, 2]);
    expect(control.isStopRequested).toBe(true);
    expect(lease.events.slice(-3)).toEqual(['lost', 'stream stopped', 'release (not held)']);
    expect(lease.listenerCount).toBe(0);
  });

  it('drainAndShutdown: lets the stream complete, then releases the lease', async () => {
    const lease = new HandLease();
    const { graph, seen, probe } = probeGraph(lease);
    const running = withLease(lease, graph);
    lease.grant();
    const control = await running;
    probe().sendNext(1);
    await control.drainAndShutdown();
    expect(seen).toEqual([1]);
    expect(lease.events.slice(-2)).toEqual(['stream stopped', 'released']);
    expect(lease.isHeld).toBe(false);
    expect(lease.listenerCount).toBe(0);
  });

  it('releases after the stream completes or fails by itself, passing the failure on', async () => {
    const lease = new HandLease();
    const { graph, probe } = probeGraph(lease);
    const running = withLease(lease, graph);
    lease.grant();
    const control = await running;
    const boom = new Error('boom');
    probe().sendError(boom);
    expect(rootCause(await control.streamCompletion.catch((e: unknown) => e))).toBe(boom);
    expect(lease.events.slice(-2)).toEqual(['stream stopped', 'released']);
  });

  it('abort(error) fails the stream with that error and releases', async () => {
    const lease = new HandLease();
    const { graph, probe } = probeGraph(lease);
    const running = withLease(lease, graph);
    lease.grant();
    const control = await running;
    const stop = new Error('operator said stop');
    await control.abort(stop);
    expect(probe().isCancelled).toBe(true);
    await expect(control.streamCompletion).rejects.toMatchObject({ cause: stop });
    expect(lease.events.slice(-1)).toEqual(['released']);
  });

  it('releases and rethrows when the graph factory fails', async () => {
    const lease = new HandLease();
    const running = withLease(lease, async () => {
      throw new Error('checkpoint unreadable');
    });
    lease.grant();
    await expect(running).rejects.toThrow('checkpoint unreadable');
    expect(lease.events).toEqual(['acquire', 'acquired', 'released']);
  });

  it('does not run the graph when the lease is lost while the factory runs', async () => {
    const lease = new HandLease();
    const { graph, materialized } = probeGraph(lease);
    let lost: LeaseLostError | undefined;
    const running = withLease(lease, async () => {
      lost = lease.lose();
      return graph;
    });
    lease.grant();
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(error).toBe(lost);
    expect(materialized()).toBe(0);
  });

  it('stops waiting when the signal aborts (a standby shutting down), without running the graph', async () => {
    const lease = new HandLease();
    const { graph, materialized } = probeGraph(lease);
    const controller = new AbortController();
    const running = withLease(lease, graph, { signal: controller.signal });
    controller.abort(new Error('SIGTERM'));
    await expect(running).rejects.toThrow('SIGTERM');
    expect(materialized()).toBe(0);
    expect(lease.listenerCount).toBe(0);
  });
});
