import { DrainingControl, Keep, KillSwitches, LeaseLostError, leasedGraph, Materializer, Sink, type Lease, type StageInfo } from 'tributary';
import { TestSource, type SourceProbe } from 'tributary/testing';

/** A lease the test grants and takes away by hand. */
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
      signal?.addEventListener('abort', () => (this.events.push('gave up'), reject(signal.reason)), { once: true });
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
    for (const l of this.listeners) l(error);
    return error;
  }
}

/** A probe → kill switch → collecting sink graph, materializing a DrainingControl. */
function probeGraph() {
  const seen: number[] = [];
  let probe: SourceProbe<number> | undefined;
  const graph = TestSource.probe<number>()
    .viaMat(KillSwitches.single(), Keep.both)
    .named('leased-stage')
    .toMat(Sink.forEach<number>((x) => void seen.push(x)), Keep.both)
    .mapMaterializedValue(([[p, killSwitch], done]) => {
      probe = p;
      return DrainingControl.create(killSwitch, done.then(() => seen.length));
    });
  return { graph, seen, probe: () => probe };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('leasedGraph: withLease as a RunnableGraph (for hosts that run the graph)', () => {
  it('returns a control at once, runs the graph on the caller’s materializer once the lease is held, releases after the drain', async () => {
    const lease = new HandLease();
    const { graph, seen, probe } = probeGraph();
    const started: string[] = [];
    const materializer = new Materializer({ observer: { stageStarted: (s: StageInfo) => void started.push(s.name) } });
    const control = leasedGraph(lease, graph).run(materializer);
    await flush();
    expect(probe()).toBeUndefined(); // standing by
    expect(control.isStopRequested).toBe(false);
    lease.grant();
    await flush();
    probe()!.sendNext(1).sendNext(2);
    expect(started.length).toBeGreaterThan(0); // the host's materializer (metrics, health) sees the stages
    await expect(control.drainAndShutdown()).resolves.toBe(2);
    expect(seen).toEqual([1, 2]);
    expect(lease.events).toEqual(['acquire', 'acquired', 'released']);
  });

  it('a drain while standing by stops waiting: nothing runs, the completion resolves with undefined', async () => {
    const lease = new HandLease();
    const factory = jest.fn(() => probeGraph().graph);
    const control = leasedGraph(lease, factory).run();
    await flush();
    await expect(control.drainAndShutdown()).resolves.toBeUndefined();
    expect(control.isStopRequested).toBe(true);
    expect(factory).not.toHaveBeenCalled();
    expect(lease.events).toEqual(['acquire', 'gave up', 'release (not held)']);
  });

  it('an abort while standing by rejects the completion with the abort’s error', async () => {
    const lease = new HandLease();
    const control = leasedGraph(lease, probeGraph().graph).run();
    const stop = new Error('drain timeout');
    await control.abort(stop);
    await expect(control.streamCompletion).rejects.toBe(stop);
  });

  it('a drain requested while the factory runs (lease just acquired) drains the graph as soon as it runs', async () => {
    const lease = new HandLease();
    const { graph, probe } = probeGraph();
    let release!: () => void;
    const factoryGate = new Promise<void>((resolve) => (release = resolve));
    const control = leasedGraph(lease, async () => (await factoryGate, graph)).run();
    lease.grant();
    await flush();
    const drained = control.drainAndShutdown();
    release();
    await expect(drained).resolves.toBe(0);
    expect(probe()!.isCancelled).toBe(true);
    expect(lease.events.slice(-1)).toEqual(['released']);
  });

  it('a lost lease aborts the running stream with the LeaseLostError (transient: the host exits 2)', async () => {
    const lease = new HandLease();
    const { graph, probe } = probeGraph();
    const control = leasedGraph(lease, graph).run();
    lease.grant();
    await flush();
    const lost = lease.lose();
    await expect(control.streamCompletion).rejects.toBe(lost);
    expect(probe()!.isCancelled).toBe(true);
  });

  it('a failing factory fails the completion and releases the lease', async () => {
    const lease = new HandLease();
    const control = leasedGraph(lease, async () => {
      throw new Error('checkpoint unreadable');
    }).run();
    lease.grant();
    await expect(control.streamCompletion).rejects.toThrow('checkpoint unreadable');
    expect(lease.events).toEqual(['acquire', 'acquired', 'released']);
  });
});
