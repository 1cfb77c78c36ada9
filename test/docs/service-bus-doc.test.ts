/** The code of docs/service-bus.md (and the README's Service Bus section), run as written against the test broker. */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { Committer, DrainingControl, Keep, KillSwitches, Source, type Committable } from 'tributary';
import { ServiceBusSink } from 'tributary/sinks/service-bus';
import { ServiceBusSource } from 'tributary/sources/service-bus';
import { ServiceBusTestBroker } from '../support/service-bus-broker';

interface Change {
  readonly id: string;
  readonly key: string;
  readonly op: 'c' | 'u' | 'd';
  readonly offset: number;
  readonly source: { readonly table: string };
}

let broker: ServiceBusTestBroker;
beforeAll(async () => {
  broker = await ServiceBusTestBroker.start();
  broker.createQueue('orders-changes', { requiresSession: true, requiresDuplicateDetection: true });
});
afterAll(() => broker.stop());

/** A session accept pending at close keeps rhea-promise's attach timer (the operation timeout) alive: keep it short. */
const shortAccept = { clientOptions: { retryOptions: { timeoutInMs: 1_000 } } };

const changes = Source.from(
  Array.from({ length: 20 }, (_, i): Change => ({ id: `sales:${i}`, key: `order-${i % 4}`, op: 'c', offset: i, source: { table: 'Orders' } })),
);

it('the quick start: sink with committer, then the source on the other side', async () => {
  const ctx = { secret: () => broker.connectionString };
  const committed: number[] = [];
  const committable: Committable<number> = { partitionOf: () => 'orders', commit: async (offsets) => void committed.push(...offsets) };

  const bus = ServiceBusSink.create<Change>({
    connection: ctx.secret(),
    entity: (e) => `${e.source.table.toLowerCase()}-changes`,
    toMessage: (e) => ({
      body: e,
      messageId: e.id,
      sessionId: e.key,
      subject: e.op,
      applicationProperties: { table: e.source.table, op: e.op },
    }),
  });
  const control = changes
    .viaMat(KillSwitches.single(), Keep.right)
    .asSourceWithContext((e) => e.offset)
    .via(bus.flowWithContext<number>())
    .toMat(Committer.sinkWithContext(committable, { maxBatch: 500, maxIntervalMs: 1_000 }), DrainingControl.create)
    .run();
  await control.streamCompletion;
  expect(committed[committed.length - 1]).toBe(19);
  expect(broker.received('orders-changes').map((m) => [m.messageId, m.sessionId, m.subject])).toEqual(
    Array.from({ length: 20 }, (_, i) => [`sales:${i}`, `order-${i % 4}`, 'c']),
  );

  const replica: Change[] = [];
  const parseChange = (body: unknown): Change => body as Change;
  const applyToReplica = async (change: Change) => void replica.push(change);
  const [source, done] = ServiceBusSource.create({ connection: ctx.secret(), queue: 'orders-changes', maxMessages: 64, sessions: { idleTimeoutMs: 100 }, maxWaitTimeMs: 50, completeAfterIdleMs: 500, ...shortAccept })
    .via(ServiceBusSource.mapOrDeadLetter((m: ServiceBusReceivedMessage) => parseChange(m.body), { reason: 'invalid-change' }))
    .mapAsync(8, (change) => applyToReplica(change))
    .toMat(Committer.sinkWithContext(ServiceBusSource.committable, { maxBatch: 100, maxIntervalMs: 200 }), Keep.both)
    .run();
  await done;
  await source.closed;
  expect(replica.map((c) => c.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `sales:${i}`).sort());
  for (let k = 0; k < 4; k++) {
    const own = replica.filter((c) => c.key === `order-${k}`).map((c) => c.offset);
    expect(own).toEqual([...own].sort((a, b) => a - b)); // per session, in order
  }
  expect(broker.queueDepth('orders-changes')).toBe(0);
});
