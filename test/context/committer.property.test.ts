import fc from 'fast-check';
import { Subject } from 'rxjs';
import { Committer, DrainingControl, Keep, KillSwitches, Sink, Source, type Committable } from 'tributary';
import { flush } from './helpers';

interface Offset {
  readonly p: number;
  readonly n: number;
}

/** A step: acknowledge the in-flight element at `pick` (modulo those in flight), or let commits settle. */
type Step = { readonly kind: 'ack'; readonly pick: number } | { readonly kind: 'settle' };

const scenario = fc.record({
  partitions: fc.array(fc.nat(3), { minLength: 1, maxLength: 60 }),
  maxBatch: fc.integer({ min: 1, max: 6 }),
  parallelism: fc.integer({ min: 1, max: 3 }),
  maxDeferred: fc.integer({ min: 1, max: 8 }),
  ackParallelism: fc.integer({ min: 1, max: 8 }),
  steps: fc.array(
    fc.oneof(
      { weight: 5, arbitrary: fc.nat(50).map<Step>((pick) => ({ kind: 'ack', pick })) },
      { weight: 1, arbitrary: fc.constant<Step>({ kind: 'settle' }) },
    ),
    { maxLength: 120 },
  ),
  drainAfter: fc.option(fc.nat(60), { nil: undefined }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

/**
 * Runs source → kill switch → tracker → an acknowledging stage that completes in the order the steps pick →
 * Committer.sink(tracker). Checks while running, and returns what it saw.
 */
async function runScenario(s: Scenario) {
  const perPartition = new Map<number, number>();
  const input = s.partitions.map((p): Offset => {
    const n = (perPartition.get(p) ?? 0) + 1;
    perPartition.set(p, n);
    return { p, n };
  });
  const acked = new Set<Offset>();
  const registered: Offset[] = [];
  const violations: string[] = [];
  const lastCommitted = new Map<number, number>();
  const committable: Committable<Offset> = {
    partitionOf: (o) => String(o.p),
    commit: (batch) => {
      for (const o of batch) {
        // Never past a gap: every earlier offset of the partition passed the tracker and was acknowledged.
        for (const r of registered) if (r.p === o.p && r.n <= o.n && !acked.has(r)) violations.push(`committed ${o.p}:${o.n} before ${r.n}`);
        if ((lastCommitted.get(o.p) ?? 0) > o.n) violations.push(`committed ${o.p}:${o.n} after a higher offset`);
        lastCommitted.set(o.p, o.n);
      }
      return Promise.resolve();
    },
  };
  const tracker = Committer.track(committable, { maxDeferred: s.maxDeferred });
  const open: { readonly o: Offset; readonly subject: Subject<Offset> }[] = [];
  const control = Source.from(input)
    .viaMat(KillSwitches.single(), Keep.right)
    .map((o) => {
      // Admission: the tracker took an element only while fewer than maxDeferred acknowledgements waited.
      if (tracker.stats.deferred >= s.maxDeferred) violations.push(`admitted with ${tracker.stats.deferred} deferred`);
      registered.push(o);
      return o;
    })
    .asSourceWithContext((o) => o)
    .via(tracker.flow<Offset>())
    .asSource()
    .mapAsyncUnordered(s.ackParallelism, ([o]) => {
      const subject = new Subject<Offset>();
      open.push({ o, subject });
      return subject;
    })
    .toMat(Committer.sink(committable, { tracker, maxBatch: s.maxBatch, parallelism: s.parallelism }), DrainingControl.create)
    .run();
  const ack = (pick: number): void => {
    const [{ o, subject }] = open.splice(pick % open.length, 1);
    acked.add(o);
    subject.next(o);
  };
  let done = false;
  control.streamCompletion.then(() => void (done = true));
  for (const [i, step] of s.steps.entries()) {
    if (i === s.drainAfter) void control.drainAndShutdown();
    if (step.kind === 'settle') await flush();
    else if (open.length > 0) ack(step.pick);
  }
  if (s.drainAfter !== undefined) void control.drainAndShutdown();
  for (let guard = 0; !done && guard < 1_000; guard++) {
    while (open.length > 0) ack(0);
    await flush();
  }
  await control.streamCompletion;
  return { registered, violations, lastCommitted, peakDeferred: tracker.stats.peakDeferred, drained: s.drainAfter !== undefined };
}

describe('Committer with a tracker (properties)', () => {
  it('never commits past a gap, never admits past maxDeferred, and commits everything acknowledged', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { registered, violations, lastCommitted, peakDeferred } = await runScenario(s);
        expect(violations).toEqual([]);
        // Everything that passed the tracker was acknowledged, so the last offset of each partition is committed.
        const expected = new Map<number, number>();
        for (const o of registered) expected.set(o.p, o.n);
        expect(lastCommitted).toEqual(expected);
        // The deferred acknowledgements stay within maxDeferred plus what was already past the tracker.
        expect(peakDeferred).toBeLessThanOrEqual(s.maxDeferred + s.ackParallelism);
      }),
      { numRuns: 150 },
    );
  });

  it('drainAndShutdown commits every acknowledged element that passed the source before the drain', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario.filter((s) => s.drainAfter !== undefined),
        async (s) => {
          const { registered, violations, lastCommitted } = await runScenario(s);
          expect(violations).toEqual([]);
          const expected = new Map<number, number>();
          for (const o of registered) expected.set(o.p, o.n);
          expect(lastCommitted).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('Committer without a tracker (properties)', () => {
  it('commits the highest offset per partition, in order, whatever the batching', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(3), { maxLength: 80 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 3 }),
        async (partitions, maxBatch, parallelism) => {
          const seen = new Map<number, number>();
          const input = partitions.map((p) => {
            const n = (seen.get(p) ?? 0) + 1;
            seen.set(p, n);
            return { p, n };
          });
          const last = new Map<number, number>();
          const committable: Committable<Offset> = {
            partitionOf: (o) => String(o.p),
            compare: (a, b) => a.n - b.n,
            commit: async (batch) => {
              expect(new Set(batch.map((o) => o.p)).size).toBe(batch.length); // one offset per partition
              for (const o of batch) {
                expect(o.n).toBeGreaterThan(last.get(o.p) ?? 0);
                last.set(o.p, o.n);
              }
            },
          };
          const acknowledged = await Source.from(input)
            .via(Committer.flow(committable, { maxBatch, parallelism }))
            .runWith(Sink.fold(0, (n, r) => n + r.acknowledged));
          expect(acknowledged).toBe(input.length);
          expect(last).toEqual(seen);
        },
      ),
      { numRuns: 100 },
    );
  });
});
