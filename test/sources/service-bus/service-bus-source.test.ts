import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { Committer, Keep, KillSwitches, Sink, SourceWithContext, StageFailure, Supervision, type Committable } from 'tributary';
import { ServiceBusOperationError, ServiceBusSettlement, ServiceBusSource, type ServiceBusSourceOptions } from 'tributary/sources/service-bus';
import { eventually } from '../../support/eventually';
import { ServiceBusTestBroker } from '../../support/service-bus-broker';

let broker: ServiceBusTestBroker;
let entities = 0;
beforeAll(async () => {
  broker = await ServiceBusTestBroker.start();
});
afterAll(() => broker.stop());

function queue(options: Parameters<ServiceBusTestBroker['createQueue']>[1] = {}, messages = 0): string {
  const name = `source-${++entities}`;
  broker.createQueue(name, options);
  for (let i = 0; i < messages; i++) broker.send(name, { body: { n: i }, messageId: `m${i}` });
  return name;
}

type Options = Omit<ServiceBusSourceOptions, 'connection' | 'queue' | 'topic' | 'subscription'>;

/** Short waits keep the tests fast: receive long-polls 50 ms, the stream completes after 300 ms without messages. */
function source(entity: { queue: string } | { topic: string; subscription: string }, options: Options = {}) {
  return ServiceBusSource.create({
    connection: broker.connectionString,
    ...entity,
    maxWaitTimeMs: 50,
    completeAfterIdleMs: 300,
    clientOptions: { retryOptions: { maxRetries: 0, timeoutInMs: 5_000 } },
    ...options,
  } as ServiceBusSourceOptions);
}

const commitFast = { maxBatch: 5, maxIntervalMs: 10 };
/**
 * A session accept still pending when the client closes leaves rhea-promise's attach timer (the operation timeout)
 * running: keep it short so the test process exits promptly.
 */
const shortAccept = { clientOptions: { retryOptions: { maxRetries: 0, timeoutInMs: 1_000 } } };
const n = (m: ServiceBusReceivedMessage) => (m.body as { n: number }).n;

describe('ServiceBusSource', () => {
  it('receives in peek-lock and completes a message only when the committer commits it', async () => {
    const q = queue({}, 20);
    const lockedAtCommit: number[][] = [];
    const committable: Committable<ServiceBusSettlement> = {
      partitionOf: ServiceBusSource.committable.partitionOf,
      commit: async (settlements) => {
        lockedAtCommit.push([settlements.length, broker.locked(q), broker.queueDepth(q)]);
        await ServiceBusSource.committable.commit(settlements);
      },
    };
    const seen: [number, string | undefined, number][] = [];
    const [control, done] = source({ queue: q }, { maxMessages: 8 })
      .map((m) => m)
      .asSource()
      .map((pair) => (seen.push([n(pair[0]), pair[1].messageId, pair[1].deliveryCount]), pair))
      .toMat(Committer.sinkWithContext(committable, { maxBatch: 5, maxIntervalMs: 60_000 }), Keep.both)
      .run();
    await done;
    await control.closed;
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => [i, `m${i}`, 0]));
    // Every commit found its messages still locked on the broker (not completed before the commit).
    for (const [count, locked] of lockedAtCommit) expect(locked).toBeGreaterThanOrEqual(count);
    expect(lockedAtCommit.map(([count]) => count)).toEqual([5, 5, 5, 5]);
    expect(broker.queueDepth(q)).toBe(0);
    expect(control.stats()).toMatchObject({ received: 20, completed: 20, abandoned: 0, unsettled: 0 });
  });

  it('grants credit only for what downstream asks: a slow consumer never holds more than maxUnsettled locks', async () => {
    const q = queue({}, 60);
    const lockedSeen: number[] = [];
    const [control, done] = source({ queue: q }, { maxMessages: 4, maxUnsettled: 8 })
      .mapAsync(1, async (m) => {
        lockedSeen.push(broker.locked(q));
        await new Promise((resolve) => setImmediate(resolve)); // the slow part
        return m;
      })
      .toMat(Committer.sinkWithContext(ServiceBusSource.committable, { maxBatch: 2, maxIntervalMs: 5 }), Keep.both)
      .run();
    await done;
    await control.closed;
    expect(lockedSeen).toHaveLength(60);
    expect(Math.max(...lockedSeen)).toBeLessThanOrEqual(8);
    expect(broker.creditHighWater(q)).toBeLessThanOrEqual(4); // credit per receive ≤ maxMessages, no prefetch
    expect(broker.queueDepth(q)).toBe(0);
  });

  it('abandons every unsettled message when the stream fails; they are redelivered', async () => {
    const q = queue({}, 5);
    const [control, done] = source({ queue: q }, { maxMessages: 5 })
      .map((m) => {
        if (n(m) === 2) throw new Error('poison');
        return m;
      })
      .toMat(Committer.sinkWithContext(ServiceBusSource.committable, { maxBatch: 100, maxIntervalMs: 60_000 }), Keep.both)
      .run();
    await expect(done).rejects.toThrow('poison');
    await control.closed;
    expect(control.stats()).toMatchObject({ received: 5, abandoned: 5, completed: 0, unsettled: 0 });
    expect(broker.locked(q)).toBe(0);
    expect(broker.messages(q).map((m) => m.deliveryCount)).toEqual([1, 1, 1, 1, 1]);

    const again: [number, number][] = [];
    const [control2, done2] = source({ queue: q })
      .asSource()
      .map(([m, s]) => (again.push([n(m), s.deliveryCount]), [m, s] as [ServiceBusReceivedMessage, ServiceBusSettlement]))
      .toMat(Committer.sinkWithContext(ServiceBusSource.committable, commitFast), Keep.both)
      .run();
    await done2;
    await control2.closed;
    expect(again).toEqual([0, 1, 2, 3, 4].map((i) => [i, 1]));
    expect(broker.queueDepth(q)).toBe(0);
  });

  it('after the max delivery count, the service dead-letters a message that keeps failing', async () => {
    const q = queue({ maxDeliveryCount: 2 }, 1);
    for (let attempt = 0; attempt < 2; attempt++) {
      const [control, done] = source({ queue: q })
        .map(() => {
          throw new Error('cannot process');
        })
        .toMat(Committer.sinkWithContext(ServiceBusSource.committable, commitFast), Keep.both)
        .run();
      await expect(done).rejects.toThrow('cannot process');
      await control.closed;
    }
    expect(broker.queueDepth(q)).toBe(0);
    expect(broker.deadLetters(q).map((m) => [m.messageId, m.deadLetterReason])).toEqual([['m0', 'MaxDeliveryCountExceeded']]);
  });

  it('mapOrDeadLetter dead-letters, with a reason, the messages the decider rejects and completes the rest', async () => {
    const q = queue({}, 6);
    const [control, out] = source({ queue: q })
      .via(ServiceBusSource.mapOrDeadLetter((m) => {
        if (n(m) % 3 === 0) throw new Error(`no order in message ${n(m)}`);
        return n(m);
      }, { reason: 'invalid-order', decider: Supervision.resumingDecider }))
      .asSource()
      .alsoTo(Committer.sinkWithContext(ServiceBusSource.committable, commitFast))
      .map(([value]) => value)
      .toMat(Sink.seq(), Keep.both)
      .run();
    expect(await out).toEqual([1, 2, 4, 5]);
    await control.closed;
    expect(broker.deadLetters(q).map((m) => [m.messageId, m.deadLetterReason, m.deadLetterErrorDescription])).toEqual([
      ['m0', 'invalid-order', 'no order in message 0'],
      ['m3', 'invalid-order', 'no order in message 3'],
    ]);
    expect(control.stats()).toMatchObject({ completed: 4, deadLettered: 2 });
    expect(broker.queueDepth(q)).toBe(0);
  });

  it('renews the locks of messages in flight (no redelivery while a slow step holds one)', async () => {
    const q = queue({ lockDurationMs: 400 }, 1);
    const [control, done] = source({ queue: q }, { lockRenewal: { intervalMs: 50, marginMs: 250 } })
      .mapAsync(1, (m) => new Promise<ServiceBusReceivedMessage>((resolve) => setTimeout(() => resolve(m), 1_000)))
      .toMat(Committer.sinkWithContext(ServiceBusSource.committable, commitFast), Keep.both)
      .run();
    await done;
    await control.closed;
    expect(control.stats()).toMatchObject({ received: 1, completed: 1, lockLost: 0 });
    expect(control.stats().renewed).toBeGreaterThanOrEqual(2);
    expect(broker.queueDepth(q)).toBe(0);
  });

  it('without lock renewal a held message loses its lock and comes back (at least once)', async () => {
    const q = queue({ lockDurationMs: 300 }, 1);
    const [control, done] = SourceWithContext.fromTuples(source({ queue: q }, { lockRenewal: false, maxMessages: 1, maxUnsettled: 1 }).asSource().take(1))
      .mapAsync(1, (m) => new Promise<ServiceBusReceivedMessage>((resolve) => setTimeout(() => resolve(m), 600)))
      .toMat(Committer.sinkWithContext(ServiceBusSource.committable, commitFast), Keep.both)
      .run();
    await done;
    await control.closed;
    expect(control.stats()).toMatchObject({ received: 1, completed: 0, lockLost: 1 });
    expect(broker.messages(q).map((m) => m.deliveryCount)).toEqual([1]);
  });

  it('with sessions, receives one session at a time, each in order, moving on when a session is idle', async () => {
    const q = queue({ requiresSession: true });
    for (let i = 0; i < 12; i++) broker.send(q, { body: { n: i }, messageId: `m${i}`, sessionId: `s${i % 3}` });
    const [control, out] = source({ queue: q }, { sessions: { idleTimeoutMs: 100 }, completeAfterIdleMs: 1_000, ...shortAccept })
      .asSource()
      .alsoTo(Committer.sinkWithContext(ServiceBusSource.committable, commitFast))
      .map(([m, s]) => [s.sessionId, n(m)] as const)
      .toMat(Sink.seq(), Keep.both)
      .run();
    const received = await out;
    await control.closed;
    expect(received).toHaveLength(12);
    for (const session of ['s0', 's1', 's2']) {
      const own = received.filter(([s]) => s === session).map(([, i]) => i);
      expect(own).toEqual([...own].sort((a, b) => a - b)); // per-session order
      // one session at a time: its messages are contiguous
      const first = received.findIndex(([s]) => s === session);
      expect(received.slice(first, first + 4).every(([s]) => s === session)).toBe(true);
    }
    expect(broker.queueDepth(q)).toBe(0);
  });

  it('with a session id, receives only that session', async () => {
    const q = queue({ requiresSession: true });
    for (let i = 0; i < 6; i++) broker.send(q, { body: { n: i }, sessionId: i % 2 === 0 ? 'even' : 'odd' });
    const [control, out] = source({ queue: q }, { sessions: { sessionId: 'odd' }, ...shortAccept })
      .asSource()
      .alsoTo(Committer.sinkWithContext(ServiceBusSource.committable, commitFast))
      .map(([m]) => n(m))
      .toMat(Sink.seq(), Keep.both)
      .run();
    expect(await out).toEqual([1, 3, 5]);
    await control.closed;
    expect(broker.queueDepth(q)).toBe(3);
  });

  it('receives from a topic subscription', async () => {
    const topic = `topic-${++entities}`;
    broker.createTopic(topic).createSubscription(topic, 'replica');
    for (let i = 0; i < 3; i++) broker.send(topic, { body: { n: i } });
    const [control, out] = source({ topic, subscription: 'replica' })
      .asSource()
      .alsoTo(Committer.sinkWithContext(ServiceBusSource.committable, commitFast))
      .map(([m]) => n(m))
      .toMat(Sink.seq(), Keep.both)
      .run();
    expect(await out).toEqual([0, 1, 2]);
    await control.closed;
    expect(broker.queueDepth(`${topic}/Subscriptions/replica`)).toBe(0);
  });

  it('drainAndShutdown: what is in flight is committed, what was never emitted is abandoned, nothing is lost', async () => {
    const q = queue({}, 40);
    let processed = 0;
    const [[control, kill], done] = SourceWithContext.fromTuples(source({ queue: q }, { maxMessages: 10, completeAfterIdleMs: undefined }).asSource().viaMat(KillSwitches.single(), Keep.both))
      .mapAsync(2, async (m) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (++processed === 5) kill.shutdown();
        return m;
      })
      .toMat(Committer.sinkWithContext(ServiceBusSource.committable, { maxBatch: 100, maxIntervalMs: 60_000 }), Keep.both)
      .run();
    await done;
    await control.closed;
    const stats = control.stats();
    expect(stats.completed).toBeGreaterThanOrEqual(5);
    expect(stats.completed + stats.abandoned).toBe(stats.received);
    expect(broker.locked(q)).toBe(0);
    expect(broker.queueDepth(q)).toBe(40 - stats.completed);
  });

  it('survives a broker restart while receiving: nothing is lost (settlements cut off by the drop are redelivered)', async () => {
    const q = queue({}, 30);
    const seen = new Set<number>();
    let restarted: Promise<void> | undefined;
    const [control, done] = source({ queue: q }, { maxMessages: 5, completeAfterIdleMs: 1_500, retry: { minBackoffMs: 10, maxBackoffMs: 50 }, clientOptions: { retryOptions: { maxRetries: 0, timeoutInMs: 1_000 } } })
      .map((m) => {
        seen.add(n(m));
        if (seen.size === 10 && !restarted) restarted = broker.restart();
        return m;
      })
      .toMat(Committer.sinkWithContext(ServiceBusSource.committable, commitFast), Keep.both)
      .run();
    await done;
    await control.closed;
    await restarted;
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // Messages whose completion could not get through (their link dropped) stay in the queue to be redelivered.
    const { completed, lockLost } = control.stats();
    expect(completed + lockLost).toBeGreaterThanOrEqual(30);
    expect(broker.queueDepth(q)).toBe(lockLost);
  });

  it('fails fast, naming the entity, when it does not exist', async () => {
    const [control, done] = source({ queue: 'no-such-queue' }).toMat(Sink.ignore(), Keep.both).run();
    const error = await done.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StageFailure);
    const cause = (error as StageFailure).cause;
    expect(cause).toBeInstanceOf(ServiceBusOperationError);
    expect(cause).toMatchObject({ code: 'MessagingEntityNotFound', entity: 'no-such-queue', transient: false });
    expect((cause as Error).message).toMatch(/'no-such-queue' does not exist/);
    await control.closed;
  });

  it('rejects bad options naming the field', () => {
    const connection = broker.connectionString;
    expect(() => ServiceBusSource.create({ connection } as never)).toThrow(/give queue, or topic and subscription/);
    expect(() => ServiceBusSource.create({ connection, queue: 'q', maxMessages: 0 })).toThrow(/maxMessages must be a positive integer, got 0/);
    expect(() => ServiceBusSource.create({ connection, queue: 'q', maxMessages: 10, maxUnsettled: 5 })).toThrow(/maxUnsettled \(5\) must be >= maxMessages \(10\)/);
    expect(() => ServiceBusSource.create({ connection, queue: 'q', sessions: { sessionId: '' } })).toThrow(/sessions.sessionId/);
    expect(() => ServiceBusSource.create({ connection, topic: 't' } as never)).toThrow(/subscription must be an entity name/);
  });

  it('settles each message at most once', async () => {
    const q = queue({}, 1);
    const [control, pairs] = source({ queue: q }).asSource().toMat(Sink.seq(), Keep.both).run();
    await eventually(() => expect(control.stats().received).toBe(1));
    // nothing completes the message: after the idle completion the source waits for settlement; settle it twice
    const [[, settlement]] = await pairs;
    await Promise.all([settlement!.complete(), settlement!.complete(), settlement!.abandon()]);
    expect(settlement!.outcome).toBe('completed');
    await control.closed;
    expect(control.stats()).toMatchObject({ completed: 1, abandoned: 0 });
    expect(broker.queueDepth(q)).toBe(0);
  });
});
