import { Keep, KillSwitches, Sink, Source, StageFailure, type BufferStats, type StageObserver } from 'tributary';
import { streamErrorKind } from 'tributary/hosting';
import { TestClock, TestSink, TestSource } from 'tributary/testing';
import {
  CLAIM_CHECK_PROPERTY,
  ServiceBusOperationError,
  ServiceBusOversizeError,
  ServiceBusSink,
  resolveClaimCheck,
  type OversizeMessage,
  type ServiceBusSinkOptions,
  type ServiceBusSinkSummary,
} from 'tributary/sinks/service-bus';
import { freshContainer } from '../../support/azurite';
import { eventually } from '../../support/eventually';
import { ServiceBusTestBroker } from '../../support/service-bus-broker';
import { startTcpRelay } from '../../support/tcp-relay';

interface Row {
  readonly id: string;
  readonly n: number;
  readonly key?: string;
  readonly pad?: string;
}

const rows = (count: number, padBytes = 0, from = 0): Row[] =>
  Array.from({ length: count }, (_, i) => ({ id: `r${from + i}`, n: from + i, ...(padBytes ? { pad: 'x'.repeat(padBytes) } : {}) }));

let broker: ServiceBusTestBroker;
let queues = 0;
beforeAll(async () => {
  broker = await ServiceBusTestBroker.start();
});
afterAll(() => broker.stop());
afterEach(() => void broker.faults.reset());

/** A fresh queue on the shared broker. */
function queue(options: Parameters<ServiceBusTestBroker['createQueue']>[1] = {}): string {
  const name = `sink-${++queues}`;
  broker.createQueue(name, options);
  return name;
}

/** The SDK makes one attempt per operation (the sink's own loop retries) and short backoffs keep tests fast. */
function sink<T = Row>(options: Partial<ServiceBusSinkOptions<T>> & Pick<ServiceBusSinkOptions<T>, 'entity'>): ServiceBusSink<T> {
  return ServiceBusSink.create<T>({
    connection: broker.connectionString,
    clientOptions: { retryOptions: { maxRetries: 0, timeoutInMs: 5_000 } },
    retry: { minBackoffMs: 5, maxBackoffMs: 20 },
    ...options,
  });
}

/** Runs `items` with their `n` as context through the sink's flow; returns the summary and the contexts emitted. */
async function run(items: readonly Row[], bus: ServiceBusSink<Row>, onAck?: (n: number) => void): Promise<{ summary: ServiceBusSinkSummary; acks: number[] }> {
  const [summary, acks] = Source.from(items)
    .asSourceWithContext((r) => r.n)
    .viaMat(bus.flowWithContext<number>(), Keep.right)
    .asSource()
    .map(([, n]) => (onAck?.(n), n))
    .toMat(Sink.seq(), Keep.both)
    .run();
  return { summary: await summary, acks: await acks };
}

/** The original error inside a stream failure. */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StageFailure);
  return (error as StageFailure).cause;
}

const liveIds = (q: string) => broker.messages(q).map((m) => m.messageId);

describe('ServiceBusSink: batching', () => {
  it('fills size-aware batches (createMessageBatch/tryAddMessage), in order, with the default message shape', async () => {
    const q = queue();
    const items = rows(600, 1000);
    const { summary, acks } = await run(items, sink({ entity: q, maxBatchDelayMs: 10_000 })); // only size closes batches here

    const received = broker.received(q);
    expect(received.map((m) => m.messageId)).toEqual(items.map((r) => r.id));
    expect(received[0]).toMatchObject({ body: items[0], contentType: 'application/json', messageId: 'r0' });
    // ~1.1 KB each into 256 KB batches: 3 transfers, not 600; every transfer but the last was full.
    const transfers = new Set(received.map((m) => m.batchTransferId)).size;
    expect(broker.transfers(q)).toBe(transfers);
    expect(transfers).toBe(summary.batches);
    expect(transfers).toBeLessThanOrEqual(Math.ceil((600 * 1100) / 262_144) + 1);
    expect(summary.fullBatches.count).toBe(transfers - 1);
    expect(summary.fullBatches.bytes / summary.fullBatches.capacity).toBeGreaterThan(0.95);
    expect(summary).toMatchObject({ messages: 600, retries: 0, entities: { [q]: { messages: 600, batches: transfers } } });
    expect(acks).toEqual(items.map((r) => r.n));
  });

  it('sends a batch maxBatchDelayMs after its first message (on the stream scheduler), not before', async () => {
    const q = queue();
    const clock = new TestClock();
    let stats: BufferStats | undefined;
    const observer: StageObserver = { stageStarted: (s) => void (s.name === 'serviceBusSink' && (stats = s.stats)) };
    const [source, acks] = TestSource.probe<Row>()
      .asSourceWithContext((r) => r.n)
      .via(sink({ entity: q, maxBatchDelayMs: 50 }).flowWithContext<number>())
      .asSource()
      .toMat(TestSink.probe<[Row, number]>(clock), Keep.both)
      .run(clock.materializer({ observer }));
    acks.request(10);
    const [r0, r1, r2, r3] = rows(4);
    source.sendNext(r0!).sendNext(r1!).sendNext(r2!);
    await eventually(() => expect(stats?.buffered).toBe(3)); // in the open batch (created over the network)
    clock.advance(49);
    source.sendNext(r3!);
    await eventually(() => expect(stats?.buffered).toBe(4));
    expect(broker.transfers(q)).toBe(0);
    clock.advance(1);
    await eventually(() => expect(acks.received.map(([, n]) => n)).toEqual([0, 1, 2, 3]));
    expect(broker.transfers(q)).toBe(1); // one batch: nothing left before the delay
    source.sendComplete();
    await eventually(() => expect(acks.unread).toBeGreaterThanOrEqual(0));
  });

  it('routes per element to per-entity batches and keeps the order of each entity', async () => {
    const even = queue();
    const odd = queue();
    const items = rows(400, 500);
    const { summary, acks } = await run(items, sink({ entity: (r) => (r.n % 2 === 0 ? even : odd), maxBatchMessages: 50, maxBatchDelayMs: 10_000 }));
    expect(broker.received(even).map((m) => m.messageId)).toEqual(items.filter((r) => r.n % 2 === 0).map((r) => r.id));
    expect(broker.received(odd).map((m) => m.messageId)).toEqual(items.filter((r) => r.n % 2 === 1).map((r) => r.id));
    expect(summary.entities).toEqual({ [even]: { messages: 200, batches: 4 }, [odd]: { messages: 200, batches: 4 } });
    expect(broker.transfers(even)).toBe(4);
    expect(acks).toEqual(items.map((r) => r.n)); // acknowledgements in input order across entities
  });

  it('sends the message toMessage builds: session, subject, application properties, partition key', async () => {
    const q = queue({ requiresSession: true });
    const items = rows(6).map((r) => ({ ...r, key: `k${r.n % 2}` }));
    await run(items, sink({
      entity: q,
      toMessage: (r) => ({ body: { n: r.n }, messageId: r.id, sessionId: r.key, partitionKey: r.key, subject: 'c', applicationProperties: { table: 'orders', n: r.n } }),
    }));
    expect(broker.received(q).map(({ body, messageId, sessionId, subject, applicationProperties, partitionKey }) => ({ body, messageId, sessionId, subject, applicationProperties, partitionKey }))).toEqual(
      items.map((r) => ({ body: { n: r.n }, messageId: r.id, sessionId: r.key, subject: 'c', applicationProperties: { table: 'orders', n: r.n }, partitionKey: r.key })),
    );
  });

  it('with several batches in flight, never lets a batch overtake one of the same session', async () => {
    const q = queue({ requiresSession: true });
    broker.faults.serverBusy(1, 'reject'); // the first batch is throttled and retried after a backoff
    const items = rows(40).map((r) => ({ ...r, key: 's1' }));
    const { acks } = await run(items, sink({ entity: q, maxInFlightBatches: 4, maxBatchMessages: 5, toMessage: (r) => ({ body: r, messageId: r.id, sessionId: r.key }) }));
    expect(broker.received(q).map((m) => m.messageId)).toEqual(items.map((r) => r.id));
    expect(acks).toEqual(items.map((r) => r.n));
  });

  it('stays within maxBufferedMessages (open batches + sends in flight + unacknowledged)', async () => {
    const q = queue();
    let stats: BufferStats | undefined;
    const observer: StageObserver = { stageStarted: (s) => void (s.name === 'serviceBusSink' && (stats = s.stats)) };
    const done = Source.from(rows(500, 200)).runWith(sink({ entity: q, maxBufferedMessages: 40, maxBatchDelayMs: 10_000 }).sink(), { observer });
    const summary = await done;
    expect(summary.messages).toBe(500);
    expect(stats!.capacity).toBe(40);
    expect(stats!.peak).toBeLessThanOrEqual(40);
    expect(summary.batches).toBeGreaterThanOrEqual(500 / 40); // full buffer = send now, do not wait 10 s
  });
});

describe('ServiceBusSink: acknowledgements and errors', () => {
  it('acknowledges an element only after the send that carried it resolved', async () => {
    const q = queue();
    broker.faults.delayDispositionsMs(300);
    const [source, acks] = TestSource.probe<Row>()
      .asSourceWithContext((r) => r.n)
      .via(sink({ entity: q, maxBatchDelayMs: 0 }).flowWithContext<number>())
      .asSource()
      .toMat(TestSink.probe<[Row, number]>(), Keep.both)
      .run();
    acks.request(5);
    for (const r of rows(3)) source.sendNext(r);
    await eventually(() => expect(broker.received(q)).toHaveLength(3)); // on the broker, disposition pending
    expect(acks.received).toHaveLength(0);
    await eventually(() => expect(acks.received.map(([, n]) => n)).toEqual([0, 1, 2]));
    source.sendComplete();
  });

  it('throttled ×5 then success: backs off, acknowledges nothing before the accepted send, reports the retries', async () => {
    const q = queue();
    broker.faults.serverBusy(5, 'reject');
    const counters: Record<string, number> = {};
    const metrics = {
      increment: (name: string, value = 1, tags?: Readonly<Record<string, string>>) => {
        const key = tags?.['error_kind'] ? `${name}:${tags['error_kind']}` : name;
        counters[key] = (counters[key] ?? 0) + value;
      },
    };
    const acceptedAtAck: boolean[] = [];
    const items = rows(20);
    const { summary, acks } = await run(items, sink({ entity: q, metrics }), (n) => acceptedAtAck.push(broker.received(q).some((m) => m.messageId === `r${n}`)));
    expect(summary.retries).toBe(5);
    expect(acks).toEqual(items.map((r) => r.n));
    expect(acceptedAtAck.every(Boolean)).toBe(true);
    expect(liveIds(q)).toEqual(items.map((r) => r.id));
    expect(counters).toMatchObject({ 'errors:service_bus_ServiceBusy': 5, 'rows.outgoing': 20, batches: summary.batches });
  });

  it.each([
    ['ServiceBusy (link detached)', () => broker.faults.serverBusy(2, 'detach')],
    ['ServiceBusy (transfer rejected)', () => broker.faults.serverBusy(2, 'reject')],
    ['ServiceTimeout', () => broker.faults.failNextSend('com.microsoft:timeout', 2)],
    ['connection dropped during the send', () => broker.faults.dropConnectionDuringSend(2)],
  ])('retries %s and delivers everything once', async (_, arm) => {
    const q = queue({ requiresDuplicateDetection: true });
    arm();
    const items = rows(30, 100);
    // A detached link leaves the send pending until the SDK's operation timeout: keep it short here.
    const { summary, acks } = await run(items, sink({ entity: q, maxBatchMessages: 10, clientOptions: { retryOptions: { maxRetries: 0, timeoutInMs: 500 } } }));
    expect(summary.retries).toBeGreaterThanOrEqual(2);
    expect(acks).toEqual(items.map((r) => r.n));
    expect(liveIds(q)).toEqual(items.map((r) => r.id));
  });

  it('retries a refused connection (which the SDK does not retry) until the namespace is reachable', async () => {
    const q = queue();
    const relay = await startTcpRelay(broker.port);
    try {
      await relay.block();
      let retries = 0;
      const metrics = { increment: (name: string) => void (name === 'errors' && retries++) };
      const bus = sink({ entity: q, metrics, clientOptions: { customEndpointAddress: `sb://127.0.0.1:${relay.port}`, retryOptions: { maxRetries: 0, timeoutInMs: 5_000 } } });
      const result = run(rows(10), bus);
      await eventually(() => expect(retries).toBeGreaterThanOrEqual(3));
      expect(broker.received(q)).toHaveLength(0);
      await relay.unblock();
      const { acks } = await result;
      expect(acks).toHaveLength(10);
      expect(liveIds(q)).toEqual(rows(10).map((r) => r.id));
    } finally {
      await relay.close();
    }
  });

  it.each([
    ['QuotaExceeded', () => broker.faults.failNextSend('amqp:resource-limit-exceeded'), /full or the namespace quota/],
    ['MessagingEntityDisabled', () => broker.faults.failNextSend('com.microsoft:entity-disabled'), /is disabled/],
    ['MessageSizeExceeded', () => broker.faults.failNextSend('amqp:link:message-size-exceeded'), /claimCheck/],
    ['UnauthorizedAccess', () => broker.faults.refusePutToken(1), /Send claim/],
  ])('fails fast on %s with a message naming the entity and the fix', async (code, arm, remedy) => {
    const q = queue();
    arm();
    const acks: number[] = [];
    const cause = await failureOf(run(rows(5), sink({ entity: q, retry: { minBackoffMs: 5, maxBackoffMs: 20 } }), (n) => acks.push(n)));
    expect(cause).toBeInstanceOf(ServiceBusOperationError);
    const error = cause as ServiceBusOperationError;
    expect(error).toMatchObject({ code, entity: q, attempts: 1, transient: false });
    expect(error.message).toContain(`'${q}'`);
    expect(error.message).toMatch(remedy);
    expect(streamErrorKind(error)).toBeUndefined(); // not transient: the host exits 1
    expect(acks).toEqual([]);
  });

  it('fails fast when the entity does not exist', async () => {
    const cause = await failureOf(run(rows(3), sink({ entity: 'no-such-queue' })));
    expect(cause).toMatchObject({ name: 'ServiceBusOperationError', code: 'MessagingEntityNotFound', entity: 'no-such-queue', transient: false });
    expect((cause as Error).message).toMatch(/'no-such-queue' does not exist .*ensureEntities/);
  });

  it('fails with a transient error when retries are limited and run out', async () => {
    const q = queue();
    broker.faults.serverBusy(10, 'reject');
    const cause = await failureOf(run(rows(3), sink({ entity: q, retry: { minBackoffMs: 1, maxBackoffMs: 2, maxRetries: 2 } })));
    expect(cause).toMatchObject({ code: 'ServiceBusy', attempts: 3, transient: true });
    expect(streamErrorKind(cause)).toBe('transient'); // the host exits 2: restart me
  });

  it('loses nothing when the broker restarts mid-stream (duplicates of unacknowledged resends are dropped by id)', async () => {
    const q = queue({ requiresDuplicateDetection: true });
    const items = rows(300, 300);
    let restarted: Promise<void> | undefined;
    const bus = sink({ entity: q, maxBatchMessages: 20, maxBatchDelayMs: 1, clientOptions: { retryOptions: { maxRetries: 0, timeoutInMs: 1_000 } } });
    const { acks } = await run(items, bus, (n) => {
      if (n === 100) restarted = broker.restart();
    });
    await restarted;
    expect(broker.acceptedConnections).toBeGreaterThan(1);
    expect(acks).toEqual(items.map((r) => r.n));
    expect(liveIds(q)).toEqual(items.map((r) => r.id));
  });
});

describe('ServiceBusSink: drain and replay', () => {
  it('on completion flushes the open batches, waits for the sends, then closes the client', async () => {
    const q = queue();
    const before = broker.openConnections;
    const { summary, acks } = await run(rows(10), sink({ entity: q, maxBatchDelayMs: 60_000 }));
    expect(summary).toMatchObject({ messages: 10, batches: 1 });
    expect(acks).toHaveLength(10);
    expect(broker.received(q)).toHaveLength(10);
    await eventually(() => expect(broker.openConnections).toBe(before));
  });

  it('a replay after a crash produces no duplicates at the broker, thanks to message ids', async () => {
    const q = queue({ requiresDuplicateDetection: true });
    const items = rows(100, 50);
    // Run 1 "crashes" after 60 acknowledgements: some later messages may be sent but never acknowledged.
    const acked: number[] = [];
    const [kill, done] = Source.from(items)
      .viaMat(KillSwitches.single(), Keep.right)
      .asSourceWithContext((r) => r.n)
      .via(sink({ entity: q, maxBatchMessages: 7 }).flowWithContext<number>())
      .asSource()
      .toMat(Sink.forEach(([, n]) => {
        acked.push(n);
        if (acked.length === 60) kill.abort(new Error('kill -9'));
      }), Keep.both)
      .run();
    await expect(done).rejects.toThrow('kill -9');
    // Run 2 replays from the last committed position, which trails the acknowledgements (the committer commits in
    // batches): at least the 10 messages after it are sent a second time.
    const committed = acked.length - 10;
    const { acks } = await run(items.slice(committed), sink({ entity: q, maxBatchMessages: 7 }));
    expect(acks).toHaveLength(items.length - committed);
    const sentTwice = broker.received(q).filter((m) => m.duplicate).map((m) => m.messageId);
    expect(sentTwice.length).toBeGreaterThanOrEqual(10);
    expect(liveIds(q)).toEqual(items.map((r) => r.id)); // each message once, in order
  });
});

describe('ServiceBusSink: oversize messages', () => {
  const big = (): Row[] => [{ id: 'small-0', n: 0 }, { id: 'huge', n: 1, pad: 'x'.repeat(300_000) }, { id: 'small-2', n: 2 }];

  it("'fail' (default): the stream fails naming the entity and the message; nothing is acknowledged", async () => {
    const q = queue();
    const acks: number[] = [];
    const cause = await failureOf(run(big(), sink({ entity: q }), (n) => acks.push(n)));
    expect(cause).toBeInstanceOf(ServiceBusOversizeError);
    expect((cause as Error).message).toMatch(new RegExp(`'huge' for '${q}' does not fit an empty batch .*262144 bytes.*claimCheck`));
    expect(acks).toEqual([]);
  });

  it('{ divert }: the element goes to the divert sink, everything else is sent, contexts stay in order', async () => {
    const q = queue();
    const diverted: OversizeMessage<Row>[] = [];
    const { summary, acks } = await run(big(), sink({ entity: q, oversize: { divert: Sink.forEach<OversizeMessage<Row>>((m) => void diverted.push(m)) } }));
    expect(diverted.map((d) => [d.element.id, d.entity, d.maxSizeInBytes, d.message.messageId])).toEqual([['huge', q, 262_144, 'huge']]);
    expect(broker.received(q).map((m) => m.messageId)).toEqual(['small-0', 'small-2']);
    expect(summary).toMatchObject({ diverted: 1, messages: 2 });
    expect(acks).toEqual([0, 1, 2]);
  });

  it('{ claimCheck }: the body goes to blob storage (Azurite) and a reference is sent in its place', async () => {
    const q = queue();
    const container = await freshContainer();
    const items = big();
    const { summary, acks } = await run(items, sink({ entity: q, oversize: { claimCheck: { container } } }));
    expect(summary).toMatchObject({ claimChecked: 1, messages: 3 });
    expect(acks).toEqual([0, 1, 2]);
    const received = broker.received(q);
    expect(received.map((m) => m.messageId)).toEqual(['small-0', 'huge', 'small-2']);
    const reference = received[1]!;
    expect(reference.applicationProperties[CLAIM_CHECK_PROPERTY]).toBe(`${container.containerName}/${q}/huge`);
    expect(await resolveClaimCheck({ body: reference.body, applicationProperties: reference.applicationProperties as Record<string, string> }, container)).toEqual(items[1]);
    expect(await resolveClaimCheck({ body: received[0]!.body, applicationProperties: {} }, container)).toEqual(items[0]);
  });
});

describe('ServiceBusSink: configuration', () => {
  it('rejects bad options naming the field, without printing the connection string', () => {
    const secret = 'Endpoint=nope;SharedAccessKey=s3cr3t';
    expect(() => ServiceBusSink.create({ connection: secret, entity: 'q' })).toThrow(/connection must be .*value not shown/);
    expect(() => ServiceBusSink.create({ connection: secret, entity: 'q' })).not.toThrow(/s3cr3t/);
    const connection = broker.connectionString;
    expect(() => ServiceBusSink.create({ connection, entity: '' })).toThrow(/entity must be a queue or topic name/);
    expect(() => ServiceBusSink.create({ connection, entity: 'q', maxInFlightBatches: 0 })).toThrow(/maxInFlightBatches must be a positive integer, got 0/);
    expect(() => ServiceBusSink.create({ connection, entity: 'q', maxBatchDelayMs: -1 })).toThrow(/maxBatchDelayMs/);
    expect(() => ServiceBusSink.create({ connection, entity: 'q', retry: { minBackoffMs: 10, maxBackoffMs: 5 } })).toThrow(/retry.maxBackoffMs/);
    expect(() => ServiceBusSink.create({ connection, entity: 'q', oversize: 'skip' as never })).toThrow(/oversize must be 'fail', \{ divert: sink \} or \{ claimCheck/);
    expect(() => ServiceBusSink.create({ connection: { fullyQualifiedNamespace: 'acme.servicebus.windows.net', credential: null as never }, entity: 'q' })).toThrow(/connection.credential/);
  });

  it('fails the stream when entity(element) returns no valid name', async () => {
    const cause = await failureOf(run(rows(1), sink({ entity: () => '' })));
    expect((cause as Error).message).toMatch(/entity\(element\) must be a queue or topic name/);
  });

  it('ensureEntities reports, naming the entity, that the administration API is unreachable (the test broker speaks AMQP only)', async () => {
    const bus = sink({ entity: 'orders' });
    await expect(bus.ensureEntities([{ name: 'orders', requiresSession: true }], { retryOptions: { maxRetries: 0 } })).rejects.toThrow(/ensureServiceBusEntities: (checking|creating) queue 'orders' in 127\.0\.0\.1:\d+ failed: .*administration API/);
  });
});
