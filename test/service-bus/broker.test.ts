/**
 * Contract tests of the Service Bus test broker through the real @azure/service-bus client: what the SDK sends is
 * what the broker records, and the broker answers the way the SDK expects Service Bus to.
 */
import {
  isServiceBusError,
  ServiceBusClient,
  type ServiceBusClientOptions,
  type ServiceBusReceivedMessage,
} from '@azure/service-bus';
import { ServiceBusTestBroker } from '../support/service-bus-broker';
import { eventually } from '../support/eventually';

let broker: ServiceBusTestBroker;
const clients: ServiceBusClient[] = [];
let counter = 0;

/** A fresh entity name per test, so tests share the broker but not entities. */
function uniqueName(prefix: string): string {
  return `${prefix}-${++counter}`;
}

/** A client with short timeouts and quick retries (the defaults wait 30 s between retries). */
function client(options: ServiceBusClientOptions = {}): ServiceBusClient {
  const c = new ServiceBusClient(broker.connectionString, {
    retryOptions: { timeoutInMs: 2000, maxRetries: 1, retryDelayInMs: 20, maxRetryDelayInMs: 100, mode: 1 },
    ...options,
  });
  clients.push(c);
  return c;
}

/** The SDK error a call fails with: a ServiceBusError, or (connection refused) a MessagingError. */
async function errorOf(promise: Promise<unknown>): Promise<{ name: string; code: string; message: string; retryable?: boolean }> {
  try {
    await promise;
  } catch (e) {
    if (isServiceBusError(e)) return { name: e.name, code: e.code, message: e.message, retryable: e.retryable };
    if (e instanceof Error && e.name === 'MessagingError') {
      const { code, retryable } = e as Error & { code: string; retryable?: boolean };
      return { name: e.name, code, message: e.message, retryable };
    }
    throw e;
  }
  throw new Error('expected a ServiceBusError, but the call succeeded');
}

beforeAll(async () => {
  broker = await ServiceBusTestBroker.start();
});

afterEach(async () => {
  broker.faults.reset();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await broker.stop();
});

describe('connecting', () => {
  test('authorizes each entity with a SAS token on $cbs and attaches with the announced max_message_size', async () => {
    const queue = uniqueName('connect');
    broker.createQueue(queue);
    const sender = client().createSender(queue);
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(262_144);
    const tokens = broker.putTokens.filter((t) => t.audience.endsWith(`/${queue}`));
    expect(tokens).toEqual([{ audience: `${broker.endpoint}${queue}`, tokenType: 'servicebus.windows.net:sastoken', statusCode: 202 }]);
    expect(broker.attaches.filter((a) => a.address === queue)).toEqual([
      expect.objectContaining({ role: 'sender', address: queue }),
    ]);
  });

  test('a broker with a smaller limit announces it, and the SDK sizes batches by it', async () => {
    const small = await ServiceBusTestBroker.start({ maxMessageSize: 4096 });
    try {
      small.createQueue('q');
      const c = new ServiceBusClient(small.connectionString);
      try {
        const batch = await c.createSender('q').createMessageBatch();
        expect(batch.maxSizeInBytes).toBe(4096);
        let added = 0;
        while (batch.tryAddMessage({ body: 'x'.repeat(100) })) added++;
        expect(added).toBeGreaterThanOrEqual(30); // ~4096 / (100 + overhead)
        expect(added).toBeLessThan(40);
      } finally {
        await c.close();
      }
    } finally {
      await small.stop();
    }
  });

  test('a wrong key is refused on $cbs (401) and the SDK raises UnauthorizedAccess', async () => {
    const queue = uniqueName('badkey');
    broker.createQueue(queue);
    const wrong = broker.connectionString.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=bm90LXRoZS1rZXk=');
    const c = new ServiceBusClient(wrong, { retryOptions: { timeoutInMs: 2000, maxRetries: 0 } });
    clients.push(c);
    const error = await errorOf(c.createSender(queue).sendMessages({ body: 1 }));
    expect(error.code).toBe('UnauthorizedAccess');
    expect(broker.received(queue)).toHaveLength(0);
  });

  test('an unknown entity fails put-token with 404 and the SDK raises MessagingEntityNotFound (not retried)', async () => {
    const c = client();
    const sendError = await errorOf(c.createSender('no-such-queue').sendMessages({ body: 1 }));
    expect(sendError.code).toBe('MessagingEntityNotFound');
    expect(sendError.message).toContain("'sb://127.0.0.1");
    const receiveError = await errorOf(c.createReceiver('no-such-queue').receiveMessages(1, { maxWaitTimeInMs: 200 }));
    expect(receiveError.code).toBe('MessagingEntityNotFound');
    expect(broker.putTokens.filter((t) => t.audience.endsWith('/no-such-queue')).map((t) => t.statusCode)).toContain(404);
  });
});

describe('entities', () => {
  test('options are validated, naming the field; names are unique; injected messages reach subscriptions', () => {
    expect(() => broker.createQueue(uniqueName('bad'), { lockDurationMs: 0 })).toThrow(/lockDurationMs must be .*positive.*got 0/);
    expect(() => broker.createQueue(uniqueName('bad'), { maxDeliveryCount: 1.5 })).toThrow(/maxDeliveryCount must be a positive integer/);
    const name = uniqueName('twice');
    broker.createQueue(name);
    expect(() => broker.createTopic(name)).toThrow(`entity '${name}' already exists`);
    expect(() => broker.createSubscription(uniqueName('no-topic'), 's')).toThrow(/does not exist; create it first/);
    const topic = uniqueName('inject-topic');
    broker.createTopic(topic).createSubscription(topic, 'sub', { requiresSession: true });
    expect(() => broker.send(topic, { body: 1, sessionId: 's' })).not.toThrow();
    expect(broker.messages(`${topic}/Subscriptions/sub`)).toEqual([expect.objectContaining({ body: 1, sessionId: 's' })]);
    expect(() => broker.faults.serverBusy(0)).toThrow(/faults.serverBusy: n must be a positive integer/);
  });
});

describe('sending', () => {
  test('a batch is one transfer (format 0x80013700) of many messages; a single message is one transfer', async () => {
    const queue = uniqueName('send');
    broker.createQueue(queue);
    const sender = client().createSender(queue);
    const batch = await sender.createMessageBatch();
    for (let i = 0; i < 3; i++) {
      expect(batch.tryAddMessage({
        body: { n: i }, messageId: `m-${i}`, sessionId: `s-${i}`, partitionKey: `s-${i}`, subject: 'insert',
        contentType: 'application/json', correlationId: `c-${i}`, applicationProperties: { table: 'orders', n: i },
      })).toBe(true);
    }
    await sender.sendMessages(batch);
    await sender.sendMessages({ body: Buffer.from('raw bytes'), messageId: 'single' });
    expect(broker.transfers(queue)).toBe(2);
    const received = broker.received(queue);
    expect(received.map((m) => m.batchTransferId)).toEqual([1, 1, 1, 2]);
    expect(received[1]).toEqual({
      body: { n: 1 }, messageId: 'm-1', sessionId: 's-1', subject: 'insert', contentType: 'application/json',
      correlationId: 'c-1', applicationProperties: { table: 'orders', n: 1 }, partitionKey: 's-1',
      scheduledEnqueueTime: undefined, batchTransferId: 1, enqueuedSequenceNumber: expect.any(Number), duplicate: false,
    });
    expect(received[3]!.body).toEqual(Buffer.from('raw bytes'));
    expect(broker.queueDepth(queue)).toBe(4);
  });

  test('sendMessages(array) goes as one batch transfer', async () => {
    const queue = uniqueName('array');
    broker.createQueue(queue);
    await client().createSender(queue).sendMessages([1, 2, 3, 4, 5].map((n) => ({ body: n, messageId: `id-${n}` })));
    expect(broker.transfers(queue)).toBe(1);
    expect(broker.received(queue).map((m) => m.body)).toEqual([1, 2, 3, 4, 5]);
  });

  test('a message larger than max_message_size is rejected with amqp:link:message-size-exceeded → MessageSizeExceeded', async () => {
    const queue = uniqueName('large');
    broker.createQueue(queue);
    const sender = client().createSender(queue);
    const error = await errorOf(sender.sendMessages({ body: Buffer.alloc(300_000) }));
    expect(error.code).toBe('MessageSizeExceeded');
    expect(error.message).toContain('exceeds the limit (262144 bytes)');
    expect(broker.received(queue)).toHaveLength(0);
    await sender.sendMessages({ body: 'small' }); // the link survives
    expect(broker.received(queue)).toHaveLength(1);
  });

  test('a session-enabled queue rejects messages without a session id', async () => {
    const queue = uniqueName('needs-session');
    broker.createQueue(queue, { requiresSession: true });
    const error = await errorOf(client().createSender(queue).sendMessages({ body: 1 }));
    expect(error.message).toContain('SessionId was not set');
    expect(broker.queueDepth(queue)).toBe(0);
  });

  test('duplicate detection: a repeated message id within the window is accepted but not enqueued', async () => {
    const queue = uniqueName('dedupe');
    broker.createQueue(queue, { requiresDuplicateDetection: true, duplicateDetectionWindowMs: 60_000 });
    const sender = client().createSender(queue);
    await sender.sendMessages({ body: 'a', messageId: 'id-1' });
    await sender.sendMessages([{ body: 'a again', messageId: 'id-1' }, { body: 'b', messageId: 'id-2' }]);
    expect(broker.received(queue).map((m) => [m.messageId, m.duplicate])).toEqual([['id-1', false], ['id-1', true], ['id-2', false]]);
    expect(broker.messages(queue).map((m) => m.body)).toEqual(['a', 'b']);
  });

  test('duplicate detection forgets an id once the window has passed', async () => {
    const queue = uniqueName('window');
    broker.createQueue(queue, { requiresDuplicateDetection: true, duplicateDetectionWindowMs: 30 });
    const sender = client().createSender(queue);
    await sender.sendMessages({ body: 1, messageId: 'same' });
    await eventually(async () => {
      await sender.sendMessages({ body: 1, messageId: 'same' });
      expect(broker.received(queue).at(-1)!.duplicate).toBe(false);
    });
    expect(broker.queueDepth(queue)).toBe(2);
  });

  test('a topic fans out to every subscription; received(topic) records what producers sent', async () => {
    const topic = uniqueName('topic');
    broker.createTopic(topic).createSubscription(topic, 'a').createSubscription(topic, 'b');
    const c = client();
    await c.createSender(topic).sendMessages([{ body: 1 }, { body: 2 }]);
    expect(broker.received(topic).map((m) => m.body)).toEqual([1, 2]);
    const fromA = await c.createReceiver(topic, 'a').receiveMessages(2, { maxWaitTimeInMs: 1000 });
    const fromB = await c.createReceiver(topic, 'b').receiveMessages(2, { maxWaitTimeInMs: 1000 });
    expect(fromA.map((m) => m.body)).toEqual([1, 2]);
    expect(fromB.map((m) => m.body)).toEqual([1, 2]);
    expect(fromA.map((m) => m.sequenceNumber!.toNumber())).toEqual(fromB.map((m) => m.sequenceNumber!.toNumber()));
  });
});

describe('receiving (peek-lock)', () => {
  test('receiveMessages grants credit for maxMessageCount, then drains; messages carry lock, sequence and counts', async () => {
    const queue = uniqueName('receive');
    broker.createQueue(queue, { lockDurationMs: 10_000 });
    for (let i = 0; i < 5; i++) broker.send(queue, { body: { i }, messageId: `m${i}` });
    const receiver = client().createReceiver(queue);
    const first = await receiver.receiveMessages(3, { maxWaitTimeInMs: 2000 });
    expect(first.map((m) => m.body)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(broker.locked(queue)).toBe(3);
    expect(broker.creditHighWater(queue)).toBe(3);
    const m = first[0]!;
    expect(m.lockToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(m.deliveryCount).toBe(0);
    expect(m.sequenceNumber!.toNumber()).toBeGreaterThan(0);
    expect(m.enqueuedTimeUtc!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(m.lockedUntilUtc!.getTime()).toBeGreaterThan(Date.now() + 5000);
    const attach = broker.attaches.find((a) => a.address === queue && a.role === 'receiver')!;
    expect(attach).toMatchObject({ rcvSettleMode: 1, sndSettleMode: 0 });
    expect(attach.properties).toHaveProperty(['com.microsoft:receiver-name']);
    // fewer messages than asked for: the receiver drains its credit, which the broker answers at once
    const started = Date.now();
    const rest = await receiver.receiveMessages(10, { maxWaitTimeInMs: 5000, maxTimeAfterFirstMessageInMs: 50 } as never);
    expect(rest.map((x) => x.body)).toEqual([{ i: 3 }, { i: 4 }]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(broker.receiverCredit(queue)).toBe(0);
    const none = await receiver.receiveMessages(10, { maxWaitTimeInMs: 100 });
    expect(none).toEqual([]);
    expect(broker.receiverCredit(queue)).toBe(0);
  });

  test('complete removes, abandon redelivers with deliveryCount + 1, deadLetter moves with reason to the DLQ', async () => {
    const queue = uniqueName('settle');
    broker.createQueue(queue);
    for (const body of ['done', 'retry', 'poison']) broker.send(queue, { body });
    const c = client();
    const receiver = c.createReceiver(queue);
    const [done, retry, poison] = await receiver.receiveMessages(3, { maxWaitTimeInMs: 2000 });
    await receiver.completeMessage(done!);
    await receiver.abandonMessage(retry!, { attempt: 1 });
    await receiver.deadLetterMessage(poison!, { deadLetterReason: 'Unparseable', deadLetterErrorDescription: 'not JSON' });
    expect(broker.messages(queue).map((m) => m.body)).toEqual(['retry']);
    expect(broker.deadLetters(queue)).toEqual([
      expect.objectContaining({ body: 'poison', deadLetterReason: 'Unparseable', deadLetterErrorDescription: 'not JSON' }),
    ]);
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(again!.body).toBe('retry');
    expect(again!.deliveryCount).toBe(1);
    expect(again!.applicationProperties).toEqual({ attempt: 1 });
    await receiver.completeMessage(again!);
    const dlq = c.createReceiver(queue, { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(dead).toMatchObject({ body: 'poison', deadLetterReason: 'Unparseable', deadLetterErrorDescription: 'not JSON', deadLetterSource: queue });
    await dlq.completeMessage(dead!);
    expect(broker.queueDepth(queue)).toBe(0);
    expect(broker.deadLetters(queue)).toEqual([]);
  });

  test('renewMessageLock extends the lock; settling a lost lock fails with MessageLockLost', async () => {
    const queue = uniqueName('renew');
    broker.createQueue(queue, { lockDurationMs: 5000 });
    broker.send(queue, { body: 'x' });
    const receiver = client().createReceiver(queue);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    const before = m!.lockedUntilUtc!.getTime();
    const renewed = await receiver.renewMessageLock(m!);
    expect(broker.managementRequests.filter((r) => r.entity === queue).map((r) => r.operation)).toEqual(['com.microsoft:renew-lock']);
    expect(renewed.getTime()).toBeGreaterThanOrEqual(before);
    expect(renewed.getTime()).toBeGreaterThan(Date.now() + 4000);
    await receiver.completeMessage(m!);
    expect((await errorOf(receiver.renewMessageLock(m!))).code).toBe('MessageLockLost');
  });

  test('an expired lock puts the message back (deliveryCount + 1); the old lock token is lost', async () => {
    const queue = uniqueName('expire');
    broker.createQueue(queue, { lockDurationMs: 150 });
    broker.send(queue, { body: 'slow' });
    const receiver = client().createReceiver(queue, { maxAutoLockRenewalDurationInMs: 0 });
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 }); // arrives when the lock expires
    expect(second!.body).toBe('slow');
    expect(second!.deliveryCount).toBe(1);
    expect((await errorOf(receiver.completeMessage(first!))).code).toBe('MessageLockLost');
    await receiver.completeMessage(second!);
    expect(broker.queueDepth(queue)).toBe(0);
  });

  test('after maxDeliveryCount failed deliveries a message is dead-lettered (MaxDeliveryCountExceeded)', async () => {
    const queue = uniqueName('maxdelivery');
    broker.createQueue(queue, { maxDeliveryCount: 2 });
    broker.send(queue, { body: 'poison', messageId: 'p' });
    const receiver = client().createReceiver(queue);
    for (let attempt = 0; attempt < 2; attempt++) {
      const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
      expect(m!.deliveryCount).toBe(attempt);
      await receiver.abandonMessage(m!);
    }
    expect(broker.queueDepth(queue)).toBe(0);
    expect(broker.deadLetters(queue)).toEqual([
      expect.objectContaining({ messageId: 'p', deadLetterReason: 'MaxDeliveryCountExceeded', deliveryCount: 2 }),
    ]);
  });

  test('peekMessages returns messages in sequence order without locking them (locked ones included)', async () => {
    const queue = uniqueName('peek');
    broker.createQueue(queue);
    const receiver = client().createReceiver(queue);
    expect(await receiver.peekMessages(5)).toEqual([]);
    for (let i = 0; i < 4; i++) broker.send(queue, { body: i });
    await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 }); // locks message 0
    const peeked = await receiver.peekMessages(10, { fromSequenceNumber: undefined });
    expect(peeked.map((m) => m.body)).toEqual([0, 1, 2, 3]);
    expect(peeked.every((m) => m.lockToken === undefined)).toBe(true);
    expect(broker.locked(queue)).toBe(1);
  });

  test('settling after the receive link is gone goes over $management (update-disposition); locks outlive connections', async () => {
    const queue = uniqueName('mgmt-settle');
    broker.createQueue(queue);
    broker.send(queue, { body: 'keep' });
    broker.send(queue, { body: 'drop' });
    const receiver = client({ retryOptions: { timeoutInMs: 2000, maxRetries: 2, retryDelayInMs: 20 } }).createReceiver(queue);
    const [keep, drop] = await receiver.receiveMessages(2, { maxWaitTimeInMs: 2000 });
    await broker.dropConnections();
    await eventually(() => expect(broker.openLinks(queue)).toBe(0));
    expect(broker.locked(queue)).toBe(2); // Service Bus keeps peek-locks until they expire
    await receiver.completeMessage(keep!);
    await receiver.deadLetterMessage(drop!, { deadLetterReason: 'r', deadLetterErrorDescription: 'd' });
    expect(broker.managementRequests.filter((r) => r.entity === queue)).toEqual([
      { entity: queue, operation: 'com.microsoft:update-disposition', statusCode: 200 },
      { entity: queue, operation: 'com.microsoft:update-disposition', statusCode: 200 },
    ]);
    expect(broker.queueDepth(queue)).toBe(0);
    expect(broker.deadLetters(queue).map((m) => [m.body, m.deadLetterReason])).toEqual([['drop', 'r']]);
  });

  test('a deferred message is not redelivered but stays peekable', async () => {
    const queue = uniqueName('defer');
    broker.createQueue(queue);
    broker.send(queue, { body: 'later' });
    const receiver = client().createReceiver(queue);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await receiver.deferMessage(m!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 100 })).toEqual([]);
    const [peeked] = await receiver.peekMessages(1);
    expect(peeked).toMatchObject({ body: 'later', state: 'deferred' });
  });

  test('a message sent without id gets a service-assigned one (received() shows the wire: none)', async () => {
    const queue = uniqueName('noid');
    broker.createQueue(queue);
    await client().createSender(queue).sendMessages({ body: 1 });
    expect(broker.received(queue)[0]!.messageId).toBeUndefined();
    expect(broker.messages(queue)[0]!.messageId).toMatch(/^[0-9a-f]{32}$/);
    expect(() => broker.send(uniqueName('nope'), { body: 1 })).toThrow(/no queue or topic/);
  });

  test('receive-and-delete removes messages as they are delivered', async () => {
    const queue = uniqueName('rad');
    broker.createQueue(queue);
    for (let i = 0; i < 3; i++) broker.send(queue, { body: i });
    const receiver = client().createReceiver(queue, { receiveMode: 'receiveAndDelete' });
    const got = await receiver.receiveMessages(3, { maxWaitTimeInMs: 2000 });
    expect(got.map((m) => m.body)).toEqual([0, 1, 2]);
    expect(got[0]!.lockToken).toBeUndefined();
    expect(broker.queueDepth(queue)).toBe(0);
  });

  test('subscribe() streams messages with the credit it grants, auto-completing them', async () => {
    const queue = uniqueName('stream');
    broker.createQueue(queue);
    for (let i = 0; i < 20; i++) broker.send(queue, { body: i });
    const receiver = client().createReceiver(queue);
    const seen: number[] = [];
    const all = new Promise<void>((resolve, reject) => {
      receiver.subscribe(
        {
          processMessage: async (m: ServiceBusReceivedMessage) => {
            seen.push(m.body as number);
            if (seen.length === 20) resolve();
          },
          processError: async (args) => reject(args.error),
        },
        { maxConcurrentCalls: 2 },
      );
    });
    await all;
    expect(seen).toEqual([...Array(20).keys()]);
    expect(broker.creditHighWater(queue)).toBeLessThanOrEqual(2);
    await eventually(() => expect(broker.queueDepth(queue)).toBe(0));
  });
});

describe('sessions', () => {
  test('acceptSession receives only that session, in order; state and lock renewal over $management', async () => {
    const queue = uniqueName('sessions');
    broker.createQueue(queue, { requiresSession: true });
    const c = client();
    await c.createSender(queue).sendMessages([
      { body: 'a1', sessionId: 'a' }, { body: 'b1', sessionId: 'b' }, { body: 'a2', sessionId: 'a' }, { body: 'a3', sessionId: 'a' },
    ]);
    const a = await c.acceptSession(queue, 'a');
    expect(a.sessionId).toBe('a');
    expect(a.sessionLockedUntilUtc!.getTime()).toBeGreaterThan(Date.now());
    const got = await a.receiveMessages(3, { maxWaitTimeInMs: 1000 });
    expect(got.map((m) => m.body)).toEqual(['a1', 'a2', 'a3']);
    expect(got.every((m) => m.sessionId === 'a')).toBe(true);
    await a.setSessionState('checkpoint-1');
    expect(await a.getSessionState()).toBe('checkpoint-1');
    const renewed = await a.renewSessionLock();
    expect(renewed.getTime()).toBeGreaterThan(Date.now());
    for (const m of got) await a.completeMessage(m);
    expect(broker.messages(queue).map((m) => m.body)).toEqual(['b1']);
    const attach = broker.attaches.find((x) => x.address === queue && x.role === 'receiver')!;
    expect(attach.sessionFilter).toBe('a');
  });

  test('a session held by one receiver cannot be accepted by another (SessionCannotBeLocked)', async () => {
    const queue = uniqueName('held');
    broker.createQueue(queue, { requiresSession: true });
    broker.send(queue, { body: 1, sessionId: 's' });
    const c = client();
    const first = await c.acceptSession(queue, 's');
    const error = await errorOf(client({ retryOptions: { maxRetries: 0, timeoutInMs: 2000 } }).acceptSession(queue, 's'));
    expect(error.code).toBe('SessionCannotBeLocked');
    await first.close();
    const second = await c.acceptSession(queue, 's'); // released when the first receiver closed
    expect((await second.receiveMessages(1, { maxWaitTimeInMs: 1000 })).map((m) => m.body)).toEqual([1]);
  });

  test('acceptNextSession picks a free session that has messages, waiting for one if needed', async () => {
    const queue = uniqueName('next');
    broker.createQueue(queue, { requiresSession: true });
    broker.send(queue, { body: 'x1', sessionId: 'x' });
    broker.send(queue, { body: 'y1', sessionId: 'y' });
    const c = client({ retryOptions: { timeoutInMs: 5000, maxRetries: 0 } });
    const x = await c.acceptNextSession(queue);
    expect(x.sessionId).toBe('x');
    const y = await c.acceptNextSession(queue);
    expect(y.sessionId).toBe('y');
    expect(broker.attaches.filter((a) => a.address === queue && a.role === 'receiver').map((a) => a.sessionFilter)).toEqual([null, null]);
    const waiting = c.acceptNextSession(queue);
    broker.send(queue, { body: 'z1', sessionId: 'z' });
    expect((await waiting).sessionId).toBe('z');
  });

  test('acceptNextSession with no session available times out with ServiceTimeout', async () => {
    const queue = uniqueName('empty');
    broker.createQueue(queue, { requiresSession: true });
    const c = client({ retryOptions: { timeoutInMs: 300, maxRetries: 0 } });
    const error = await errorOf(c.acceptNextSession(queue));
    expect(error.code).toBe('ServiceTimeout');
  });

  test('a client closing while acceptNextSession waits gets its attach answered (nothing left pending)', async () => {
    const queue = uniqueName('abandoned');
    broker.createQueue(queue, { requiresSession: true });
    const c = new ServiceBusClient(broker.connectionString, { retryOptions: { timeoutInMs: 60_000, maxRetries: 0 } });
    const outcome = c.acceptNextSession(queue).then(() => 'accepted', () => 'failed');
    await eventually(() => expect(broker.attaches.some((a) => a.address === queue && a.role === 'receiver')).toBe(true));
    const started = Date.now();
    await c.close();
    expect(await outcome).toBe('failed');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(broker.openLinks(queue)).toBe(0);
  });

  test('an expired session lock detaches the receiver and frees the session', async () => {
    const queue = uniqueName('session-expiry');
    broker.createQueue(queue, { requiresSession: true, lockDurationMs: 200 });
    broker.send(queue, { body: 1, sessionId: 's' });
    const c = client();
    const receiver = await c.acceptSession(queue, 's', { maxAutoLockRenewalDurationInMs: 0 });
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    const other = client({ retryOptions: { timeoutInMs: 3000, maxRetries: 0 } });
    const next = await other.acceptNextSession(queue); // succeeds once the first lock expired
    expect(next.sessionId).toBe('s');
    const [redelivered] = await next.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    expect(redelivered!.deliveryCount).toBe(1);
    expect((await errorOf(receiver.completeMessage(m!))).code).toMatch(/SessionLockLost|MessageLockLost/);
  });
});

describe('fault injection', () => {
  test('refusePutToken(1): the next put-token gets 401 → UnauthorizedAccess; then it works', async () => {
    const queue = uniqueName('refuse');
    broker.createQueue(queue);
    broker.faults.refusePutToken(1);
    const sender = client({ retryOptions: { timeoutInMs: 2000, maxRetries: 0 } }).createSender(queue);
    expect((await errorOf(sender.sendMessages({ body: 1 }))).code).toBe('UnauthorizedAccess');
    await sender.sendMessages({ body: 2 });
    expect(broker.received(queue).map((m) => m.body)).toEqual([2]);
  });

  test('refusePutToken(predicate) refuses only matching audiences (here: $management)', async () => {
    const queue = uniqueName('refuse-mgmt');
    broker.createQueue(queue);
    broker.faults.refusePutToken((audience) => audience.endsWith('/$management'));
    const c = client({ retryOptions: { timeoutInMs: 2000, maxRetries: 0 } });
    await c.createSender(queue).sendMessages({ body: 1 });
    expect((await errorOf(c.createReceiver(queue).peekMessages(1))).code).toBe('UnauthorizedAccess');
    expect(broker.putTokens.filter((t) => t.audience.includes(queue)).map((t) => [t.audience.replace(broker.endpoint, ''), t.statusCode])).toEqual([
      [queue, 202], [`${queue}/$management`, 401],
    ]);
  });

  test('serverBusy(n): sends are rejected with com.microsoft:server-busy → ServiceBusy (retryable)', async () => {
    const queue = uniqueName('busy');
    broker.createQueue(queue);
    broker.faults.serverBusy(1);
    const noRetry = client({ retryOptions: { timeoutInMs: 2000, maxRetries: 0 } }).createSender(queue);
    const error = await errorOf(noRetry.sendMessages({ body: 1 }));
    expect(error.code).toBe('ServiceBusy');
    expect(error.retryable).toBe(true);
    broker.faults.serverBusy(2);
    const retrying = client({ retryOptions: { timeoutInMs: 2000, maxRetries: 3, retryDelayInMs: 10 } }).createSender(queue);
    await retrying.sendMessages({ body: 2 });
    expect(broker.received(queue).map((m) => m.body)).toEqual([2]);
  });

  test("serverBusy(n, 'detach'): the pending send times out (the SDK does not fail it on a detach), the next re-attaches", async () => {
    const queue = uniqueName('busy-detach');
    broker.createQueue(queue);
    const sender = client({ retryOptions: { timeoutInMs: 300, maxRetries: 0 } }).createSender(queue);
    await sender.sendMessages({ body: 'warm-up' });
    broker.faults.serverBusy(1, 'detach');
    expect((await errorOf(sender.sendMessages({ body: 1 }))).code).toBe('ServiceTimeout');
    await sender.sendMessages({ body: 2 });
    expect(broker.received(queue).map((m) => m.body)).toEqual(['warm-up', 2]);
    expect(broker.attaches.filter((a) => a.address === queue)).toHaveLength(2);
  });

  test('failNextSend maps conditions to the SDK codes the sink classifies', async () => {
    const queue = uniqueName('fail');
    broker.createQueue(queue);
    const sender = client({ retryOptions: { timeoutInMs: 2000, maxRetries: 0 } }).createSender(queue);
    const cases: [string, string][] = [
      ['amqp:resource-limit-exceeded', 'QuotaExceeded'],
      ['com.microsoft:entity-disabled', 'MessagingEntityDisabled'],
      ['amqp:unauthorized-access', 'UnauthorizedAccess'],
      ['com.microsoft:timeout', 'ServiceTimeout'],
      ['amqp:link:message-size-exceeded', 'MessageSizeExceeded'],
    ];
    for (const [condition, code] of cases) {
      broker.faults.failNextSend(condition);
      expect((await errorOf(sender.sendMessages({ body: condition }))).code).toBe(code);
    }
    expect(broker.received(queue)).toHaveLength(0);
  });

  test('dropConnectionDuringSend: the send fails, the next one reconnects; afterEnqueue + duplicate detection drops the retry', async () => {
    const queue = uniqueName('drop');
    broker.createQueue(queue, { requiresDuplicateDetection: true });
    // the SDK does not fail a pending send when the connection drops: it times out (timeoutInMs)
    const sender = client({ retryOptions: { timeoutInMs: 400, maxRetries: 0 } }).createSender(queue);
    await sender.sendMessages({ body: 0, messageId: 'warm-up' });
    broker.faults.dropConnectionDuringSend(1);
    await expect(sender.sendMessages({ body: 1, messageId: 'lost' })).rejects.toThrow();
    expect(broker.received(queue).map((m) => m.messageId)).toEqual(['warm-up']);
    broker.faults.dropConnectionDuringSend(1, { afterEnqueue: true });
    await expect(sender.sendMessages({ body: 2, messageId: 'ack-lost' })).rejects.toThrow();
    await sender.sendMessages({ body: 2, messageId: 'ack-lost' }); // the retry of a send whose ack was lost
    expect(broker.received(queue).map((m) => [m.messageId, m.duplicate])).toEqual([['warm-up', false], ['ack-lost', false], ['ack-lost', true]]);
    expect(broker.queueDepth(queue)).toBe(2);
    expect(broker.acceptedConnections).toBeGreaterThanOrEqual(3);
  });

  test('delayDispositionsMs past the client timeout: ServiceTimeout although the broker stored the message', async () => {
    const queue = uniqueName('slow');
    broker.createQueue(queue);
    const sender = client({ retryOptions: { timeoutInMs: 300, maxRetries: 0 } }).createSender(queue);
    await sender.sendMessages({ body: 'warm-up' });
    broker.faults.delayDispositionsMs(1000);
    const error = await errorOf(sender.sendMessages({ body: 'late' }));
    expect(error.code).toBe('ServiceTimeout');
    expect(broker.messages(queue).map((m) => m.body)).toEqual(['warm-up', 'late']);
  });

  test('entityNotFound: open links are detached with amqp:not-found, new ones fail with MessagingEntityNotFound', async () => {
    const queue = uniqueName('deleted');
    broker.createQueue(queue);
    const c = client({ retryOptions: { timeoutInMs: 2000, maxRetries: 0 } });
    const sender = c.createSender(queue);
    await sender.sendMessages({ body: 1 });
    expect(broker.openLinks(queue)).toBe(1);
    broker.faults.entityNotFound(queue);
    await eventually(() => expect(broker.openLinks(queue)).toBe(0)); // the SDK saw the detach
    expect((await errorOf(sender.sendMessages({ body: 2 }))).code).toBe('MessagingEntityNotFound');
    expect((await errorOf(c.createSender(queue).sendMessages({ body: 3 }))).code).toBe('MessagingEntityNotFound');
  });
});

describe('restart', () => {
  test('restart drops every connection; the SDK reconnects on the next operation and the messages are kept', async () => {
    const queue = uniqueName('restart');
    broker.createQueue(queue);
    const c = client({ retryOptions: { timeoutInMs: 300, maxRetries: 3, retryDelayInMs: 50 } });
    const sender = c.createSender(queue);
    await sender.sendMessages({ body: 'before' });
    const connectionsBefore = broker.acceptedConnections;
    await broker.restart();
    expect(broker.openConnections).toBe(0);
    await sender.sendMessages({ body: 'after' });
    expect(broker.acceptedConnections).toBeGreaterThan(connectionsBefore);
    const got = await c.createReceiver(queue).receiveMessages(2, { maxWaitTimeInMs: 2000 });
    expect(got.map((m) => m.body)).toEqual(['before', 'after']);
  });

  test('a client closed right after a restart, without another operation, closes', async () => {
    const queue = uniqueName('restart-close');
    broker.createQueue(queue);
    const c = new ServiceBusClient(broker.connectionString);
    await c.createSender(queue).sendMessages({ body: 1 });
    await broker.restart();
    await c.close(); // would hang if the SDK had not seen the disconnect yet (see letClientsNotice)
  });

  test('with no broker listening the SDK fails at once with ECONNREFUSED (GeneralError), even with retries', async () => {
    const gone = await ServiceBusTestBroker.start();
    gone.createQueue('q');
    const c = new ServiceBusClient(gone.connectionString, { retryOptions: { timeoutInMs: 2000, maxRetries: 3, retryDelayInMs: 20 } });
    clients.push(c);
    const sender = c.createSender('q');
    await sender.sendMessages({ body: 1 });
    await gone.stop();
    const started = Date.now();
    const error = await errorOf(sender.sendMessages({ body: 2 }));
    expect(error).toMatchObject({ name: 'MessagingError', code: 'GeneralError', retryable: false }); // not a ServiceBusError
    expect(error.message).toContain('ECONNREFUSED');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
