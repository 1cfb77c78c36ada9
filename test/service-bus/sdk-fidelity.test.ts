/**
 * What the SDK observes, checked against the test broker and, when TRIBUTARY_TEST_SERVICEBUS holds a connection
 * string, against that real namespace (or the official emulator) too — evidence that the broker behaves like
 * Service Bus where the sink and source depend on it. Only SDK-visible behaviour is asserted here (no broker
 * internals), so the same scenarios run on both. See docs/testing-service-bus.md.
 */
import { randomUUID } from 'node:crypto';
import {
  isServiceBusError,
  ServiceBusAdministrationClient,
  ServiceBusClient,
  type ServiceBusReceiver,
} from '@azure/service-bus';
import { ServiceBusTestBroker } from '../support/service-bus-broker';

interface Target {
  readonly connectionString: string;
  /** Duplicate detection on, max delivery count 3. */
  readonly queue: string;
  /** Sessions on. */
  readonly sessionQueue: string;
  cleanup(): Promise<void>;
}

async function brokerTarget(): Promise<Target> {
  const broker = await ServiceBusTestBroker.start();
  broker.createQueue('fidelity', { requiresDuplicateDetection: true, maxDeliveryCount: 3 });
  broker.createQueue('fidelity-sessions', { requiresSession: true });
  return { connectionString: broker.connectionString, queue: 'fidelity', sessionQueue: 'fidelity-sessions', cleanup: () => broker.stop() };
}

/** A real namespace (queues created and deleted here) or the emulator (queues declared in its Config.json). */
async function realTarget(connectionString: string): Promise<Target> {
  if (/UseDevelopmentEmulator=true/i.test(connectionString)) {
    return { connectionString, queue: 'tributary-fidelity', sessionQueue: 'tributary-fidelity-sessions', cleanup: async () => undefined };
  }
  const admin = new ServiceBusAdministrationClient(connectionString);
  const suffix = randomUUID().slice(0, 8);
  const queue = `tributary-fidelity-${suffix}`;
  const sessionQueue = `tributary-fidelity-sessions-${suffix}`;
  await admin.createQueue(queue, { requiresDuplicateDetection: true, maxDeliveryCount: 3 });
  await admin.createQueue(sessionQueue, { requiresSession: true });
  return {
    connectionString, queue, sessionQueue,
    cleanup: async () => {
      await admin.deleteQueue(queue);
      await admin.deleteQueue(sessionQueue);
    },
  };
}

const REAL = process.env['TRIBUTARY_TEST_SERVICEBUS'];
const targets: [string, () => Promise<Target>][] = [['test broker', brokerTarget]];
if (REAL !== undefined && REAL !== '') targets.push(['TRIBUTARY_TEST_SERVICEBUS', () => realTarget(REAL)]);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    if (isServiceBusError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

/** Receives until `count` messages arrived (a real namespace may deliver fewer per call). */
async function receiveAll(receiver: ServiceBusReceiver, count: number) {
  const all = [];
  for (let attempt = 0; all.length < count && attempt < 20; attempt++) {
    all.push(...(await receiver.receiveMessages(count - all.length, { maxWaitTimeInMs: 3000 })));
  }
  return all;
}

describe.each(targets)('Service Bus as the SDK sees it: %s', (_name, makeTarget) => {
  let target: Target;
  let client: ServiceBusClient;
  let run: string;

  beforeAll(async () => {
    target = await makeTarget();
    client = new ServiceBusClient(target.connectionString, { retryOptions: { timeoutInMs: 10_000, maxRetries: 2, retryDelayInMs: 200 } });
    // leave nothing behind from earlier runs (the emulator's queues persist until it restarts)
    for (const queue of [target.queue, `${target.queue}/$DeadLetterQueue`]) {
      const drain = client.createReceiver(queue, { receiveMode: 'receiveAndDelete' });
      while ((await drain.receiveMessages(100, { maxWaitTimeInMs: 300 })).length > 0);
      await drain.close();
    }
  }, 60_000);

  beforeEach(() => {
    run = randomUUID().slice(0, 8);
  });

  afterAll(async () => {
    await client?.close();
    await target?.cleanup();
  }, 60_000);

  test('properties survive the round trip; a batch and a single send arrive in order', async () => {
    const sender = client.createSender(target.queue);
    const batch = await sender.createMessageBatch();
    batch.tryAddMessage({
      body: { op: 'u', n: 1 }, messageId: `${run}-1`, subject: 'update', contentType: 'application/json',
      correlationId: 'corr', applicationProperties: { table: 'orders', seq: 7, ok: true },
    });
    batch.tryAddMessage({ body: 'text', messageId: `${run}-2` });
    await sender.sendMessages(batch);
    await sender.sendMessages({ body: Buffer.from([1, 2, 3]), messageId: `${run}-3` });
    const receiver = client.createReceiver(target.queue);
    const got = await receiveAll(receiver, 3);
    expect(got.map((m) => m.messageId)).toEqual([`${run}-1`, `${run}-2`, `${run}-3`]);
    expect(got[0]).toMatchObject({
      body: { op: 'u', n: 1 }, subject: 'update', contentType: 'application/json', correlationId: 'corr',
      applicationProperties: { table: 'orders', seq: 7, ok: true }, deliveryCount: 0,
    });
    expect(got[1]!.body).toBe('text');
    expect(Buffer.from(got[2]!.body as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));
    expect(got[1]!.sequenceNumber!.greaterThan(got[0]!.sequenceNumber!)).toBe(true);
    for (const m of got) await receiver.completeMessage(m);
    await receiver.close();
  });

  test('duplicate detection drops a resent message id', async () => {
    const sender = client.createSender(target.queue);
    await sender.sendMessages({ body: 1, messageId: `${run}-dup` });
    await sender.sendMessages({ body: 2, messageId: `${run}-dup` });
    await sender.sendMessages({ body: 3, messageId: `${run}-other` });
    const receiver = client.createReceiver(target.queue);
    const got = await receiveAll(receiver, 2);
    expect(got.map((m) => m.body)).toEqual([1, 3]);
    for (const m of got) await receiver.completeMessage(m);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).toEqual([]);
    await receiver.close();
  });

  test('abandon redelivers with deliveryCount + 1; after maxDeliveryCount the message is dead-lettered', async () => {
    await client.createSender(target.queue).sendMessages({ body: 'poison', messageId: `${run}-poison` });
    const receiver = client.createReceiver(target.queue);
    for (let attempt = 0; attempt < 3; attempt++) {
      const [m] = await receiveAll(receiver, 1);
      expect(m!.deliveryCount).toBe(attempt);
      await receiver.abandonMessage(m!);
    }
    const dlq = client.createReceiver(target.queue, { subQueueType: 'deadLetter' });
    const [dead] = await receiveAll(dlq, 1);
    expect(dead).toMatchObject({ messageId: `${run}-poison`, deadLetterReason: 'MaxDeliveryCountExceeded' });
    await dlq.completeMessage(dead!);
    await receiver.close();
    await dlq.close();
  });

  test('deadLetterMessage carries reason and description to the dead-letter queue', async () => {
    await client.createSender(target.queue).sendMessages({ body: 'bad', messageId: `${run}-bad` });
    const receiver = client.createReceiver(target.queue);
    const [m] = await receiveAll(receiver, 1);
    await receiver.deadLetterMessage(m!, { deadLetterReason: 'Unparseable', deadLetterErrorDescription: 'not JSON' });
    const dlq = client.createReceiver(target.queue, { subQueueType: 'deadLetter' });
    const [dead] = await receiveAll(dlq, 1);
    expect(dead).toMatchObject({ body: 'bad', deadLetterReason: 'Unparseable', deadLetterErrorDescription: 'not JSON' });
    await dlq.completeMessage(dead!);
    await receiver.close();
    await dlq.close();
  });

  test('peek returns messages in order without locking them; renewMessageLock extends a lock', async () => {
    await client.createSender(target.queue).sendMessages([0, 1, 2].map((n) => ({ body: n, messageId: `${run}-p${n}` })));
    const receiver = client.createReceiver(target.queue);
    const peeked = await receiver.peekMessages(3);
    expect(peeked.map((m) => m.body)).toEqual([0, 1, 2]);
    const got = await receiveAll(receiver, 3);
    const renewed = await receiver.renewMessageLock(got[0]!);
    expect(renewed.getTime()).toBeGreaterThanOrEqual(got[0]!.lockedUntilUtc!.getTime());
    for (const m of got) await receiver.completeMessage(m);
    await receiver.close();
  });

  test('sessions: acceptSession gets its own messages in order, with session state; acceptNextSession another', async () => {
    const a = `${run}-a`;
    const b = `${run}-b`;
    await client.createSender(target.sessionQueue).sendMessages([
      { body: 'a1', sessionId: a }, { body: 'b1', sessionId: b }, { body: 'a2', sessionId: a },
    ]);
    const ra = await client.acceptSession(target.sessionQueue, a);
    const fromA = await receiveAll(ra, 2);
    expect(fromA.map((m) => m.body)).toEqual(['a1', 'a2']);
    await ra.setSessionState('state-1');
    expect(await ra.getSessionState()).toBe('state-1');
    for (const m of fromA) await ra.completeMessage(m);
    const rb = await client.acceptNextSession(target.sessionQueue);
    expect(rb.sessionId).toBe(b);
    const fromB = await receiveAll(rb, 1);
    expect(fromB.map((m) => m.body)).toEqual(['b1']);
    await rb.completeMessage(fromB[0]!);
    await ra.close();
    await rb.close();
  });

  test('errors: a missing queue is MessagingEntityNotFound; a message over the link limit is MessageSizeExceeded', async () => {
    expect(await codeOf(client.createSender(`missing-${run}`).sendMessages({ body: 1 }))).toBe('MessagingEntityNotFound');
    const sender = client.createSender(target.queue);
    const limit = (await sender.createMessageBatch()).maxSizeInBytes;
    expect(await codeOf(sender.sendMessages({ body: Buffer.alloc(limit + 1024), messageId: `${run}-big` }))).toBe('MessageSizeExceeded');
  });
});
