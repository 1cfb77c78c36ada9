/**
 * A Service Bus–compatible AMQP 1.0 broker for tests, built on rhea in server mode, that the real
 * `@azure/service-bus` client talks to over loopback (see docs/testing-service-bus.md): entities, what was
 * observed on the wire, fault injection and the server's lifecycle. The AMQP side is in `link-router.ts`.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { encodeInjected } from './codec';
import { BrokerFaults } from './faults';
import { LinkRouter, sameEntity } from './link-router';
import { viewOf, type MessageStore } from './message-store';
import { Namespace } from './namespace';
import type {
  AttachRecord, BrokerOptions, BrokerRecords, InjectedMessage, ManagementRecord, PutTokenRecord, QueueOptions,
  ReceivedMessage, StoredMessageView, SubscriptionOptions, TopicOptions,
} from './types';

const DEFAULT_MAX_MESSAGE_SIZE = 262_144;
const KEY_NAME = 'RootManageSharedAccessKey';

/**
 * The test broker. Start one per test file, create the entities the test uses, point the SDK at
 * `connectionString`, assert on what the broker received.
 * @example
 * const broker = await ServiceBusTestBroker.start();
 * broker.createQueue('orders', { requiresDuplicateDetection: true });
 * const client = new ServiceBusClient(broker.connectionString);
 * await client.createSender('orders').sendMessages({ body: { n: 1 }, messageId: 'm1' });
 * expect(broker.received('orders').map((m) => m.messageId)).toEqual(['m1']);
 * await client.close();
 * await broker.stop();
 */
export class ServiceBusTestBroker {
  /** Fault injection (see `BrokerFaults`). */
  readonly faults: BrokerFaults;
  private readonly namespace = new Namespace();
  private readonly key = randomBytes(32).toString('base64');
  private readonly records: BrokerRecords = { attaches: [], putTokens: [], managementRequests: [], creditHighWater: new Map() };
  private readonly router: LinkRouter;
  private server: net.Server | undefined;
  private listeningPort = 0;
  private connectionsAccepted = 0;

  private constructor(options: BrokerOptions) {
    const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    if (!Number.isInteger(maxMessageSize) || maxMessageSize < 1024) {
      throw new RangeError(`ServiceBusTestBroker.start: maxMessageSize must be an integer >= 1024, got ${String(options.maxMessageSize)}`);
    }
    this.faults = new BrokerFaults((name) => this.hide(name));
    const broker = this;
    this.router = new LinkRouter({
      namespace: this.namespace,
      faults: this.faults,
      maxMessageSize,
      records: this.records,
      cbs: {
        keyName: KEY_NAME,
        key: this.key,
        get endpoint() {
          return broker.endpoint;
        },
      },
    });
  }

  /**
   * Starts a broker on 127.0.0.1 (`port` 0 = any free port).
   * @example const broker = await ServiceBusTestBroker.start({ maxMessageSize: 1024 * 1024 });
   */
  static async start(options: BrokerOptions = {}): Promise<ServiceBusTestBroker> {
    const broker = new ServiceBusTestBroker(options);
    await broker.listen(options.port ?? 0);
    return broker;
  }

  /** The port it listens on. */
  get port(): number {
    return this.listeningPort;
  }

  /** `sb://127.0.0.1:<port>/`, the namespace endpoint (and the prefix of every token audience). */
  get endpoint(): string {
    return `sb://127.0.0.1:${this.listeningPort}/`;
  }

  /** A connection string with the namespace key and `UseDevelopmentEmulator=true` (plain TCP, this port). */
  get connectionString(): string {
    return `Endpoint=sb://127.0.0.1:${this.listeningPort};SharedAccessKeyName=${KEY_NAME};SharedAccessKey=${this.key};UseDevelopmentEmulator=true`;
  }

  /** AMQP connections open now. */
  get openConnections(): number {
    return this.router.openConnections;
  }

  /** AMQP connections accepted since start. */
  get acceptedConnections(): number {
    return this.connectionsAccepted;
  }

  /** Every link attach, in order. */
  get attaches(): readonly AttachRecord[] {
    return this.records.attaches;
  }

  /** Every put-token request, in order. */
  get putTokens(): readonly PutTokenRecord[] {
    return this.records.putTokens;
  }

  /** Every `$management` request, in order. */
  get managementRequests(): readonly ManagementRecord[] {
    return this.records.managementRequests;
  }

  // ---- entities ----

  /**
   * Creates a queue.
   * @example broker.createQueue('orders', { requiresSession: true, maxDeliveryCount: 3, lockDurationMs: 500 })
   */
  createQueue(name: string, options: QueueOptions = {}): this {
    this.watchSessions(this.namespace.createQueue(name, options));
    return this;
  }

  /**
   * Creates a topic (send to it, receive from its subscriptions).
   * @example broker.createTopic('cdc', { requiresDuplicateDetection: true }).createSubscription('cdc', 'all')
   */
  createTopic(name: string, options: TopicOptions = {}): this {
    this.namespace.createTopic(name, options);
    return this;
  }

  /**
   * Creates a subscription that gets every message sent to `topic` (no filter rules); its path is
   * `<topic>/Subscriptions/<name>`.
   * @example broker.createSubscription('cdc', 'audit', { requiresSession: true })
   */
  createSubscription(topic: string, name: string, options: SubscriptionOptions = {}): this {
    this.watchSessions(this.namespace.createSubscription(topic, name, options));
    return this;
  }

  private watchSessions(store: MessageStore): void {
    store.onSessionLost = (sessionId, owner) => this.router.sessionLost(sessionId, owner);
  }

  // ---- observations ----

  /**
   * Everything producers sent to queue or topic `entity` and the broker accepted, in order (duplicates included
   * and flagged).
   * @example expect(broker.received('orders').map((m) => m.messageId)).toEqual(['a', 'b'])
   */
  received(entity: string): readonly ReceivedMessage[] {
    return this.namespace.received(entity);
  }

  /**
   * AMQP transfers accepted for queue or topic `entity` (a batch is one transfer).
   * @example expect(broker.transfers('orders')).toBe(1) // 100 messages in one batch
   */
  transfers(entity: string): number {
    return this.namespace.transfers(entity);
  }

  /**
   * Messages in queue/subscription `entity` now (available, locked and deferred).
   * @example expect(broker.queueDepth('orders')).toBe(0)
   */
  queueDepth(entity: string): number {
    return this.namespace.requireStore(entity).all().length;
  }

  /**
   * The messages in queue/subscription/dead-letter queue `entity`, in sequence order.
   * @example expect(broker.messages('orders').map((m) => m.body)).toEqual([{ n: 1 }])
   */
  messages(entity: string): StoredMessageView[] {
    return this.namespace.requireStore(entity).all().map(viewOf);
  }

  /**
   * The dead-letter queue of queue/subscription `entity`.
   * @example expect(broker.deadLetters('orders')[0]!.deadLetterReason).toBe('MaxDeliveryCountExceeded')
   */
  deadLetters(entity: string): StoredMessageView[] {
    return this.messages(`${entity}/$DeadLetterQueue`);
  }

  /**
   * Messages of queue/subscription `entity` a receiver holds the lock of now.
   * @example expect(broker.locked('orders')).toBeLessThanOrEqual(demand)
   */
  locked(entity: string): number {
    return this.namespace.requireStore(entity).lockedCount;
  }

  /**
   * Credit the receivers of `entity` hold now (granted and not used yet).
   * @example expect(broker.receiverCredit('orders')).toBe(0) // drained
   */
  receiverCredit(entity: string): number {
    return this.router.receiverCredit(entity);
  }

  /**
   * The most credit one receiver link on `entity` held at once (over the broker's life).
   * @example expect(broker.creditHighWater('orders')).toBeLessThanOrEqual(16)
   */
  creditHighWater(entity: string): number {
    return this.records.creditHighWater.get(entity.toLowerCase()) ?? 0;
  }

  /**
   * Links open on `entity` now (producers and receivers, including its dead-letter queue and subscriptions).
   * @example await eventually(() => expect(broker.openLinks('orders')).toBe(0))
   */
  openLinks(entity: string): number {
    let count = 0;
    for (const [, path] of this.router.producerLinks()) if (sameEntity(path, entity)) count++;
    for (const link of this.router.deliveryLinks()) if (sameEntity(link.store.path, entity)) count++;
    return count;
  }

  /**
   * Injects a message into queue or topic `entity` as another producer would send it (recorded in `received`);
   * returns its sequence number.
   * @example broker.send('orders', { body: { id: 1 }, messageId: 'o-1', sessionId: 'customer-7' })
   */
  send(entity: string, message: InjectedMessage): number | undefined {
    const target = this.namespace.sendTarget(entity);
    if (target === undefined) throw new Error(`send: no queue or topic named '${entity}'`);
    if (target.requiresSession && message.sessionId === undefined) {
      throw new Error(`send: '${entity}' requires sessions; give the message a sessionId`);
    }
    this.namespace.accept(target, [encodeInjected(message)]);
    return target.received[target.received.length - 1]!.enqueuedSequenceNumber;
  }

  // ---- lifecycle ----

  private async listen(port: number): Promise<void> {
    const server = net.createServer((socket) => {
      this.connectionsAccepted++;
      this.router.accept(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.listeningPort = (server.address() as net.AddressInfo).port;
  }

  private async closeServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.router.dropAll();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    await letClientsNotice();
  }

  /**
   * Drops every connection and listens again on the same port; entities, messages and locks are kept. Clients
   * reconnect on their next operation.
   * @example await broker.restart()
   */
  async restart(): Promise<void> {
    await this.closeServer();
    await this.listen(this.listeningPort);
  }

  /**
   * Drops every connection and stops listening (idempotent); clients then get ECONNREFUSED.
   * @example afterAll(() => broker.stop())
   */
  async stop(): Promise<void> {
    await this.closeServer();
    for (const store of this.namespace.allStores()) store.close();
  }

  /**
   * Drops every client connection (the broker keeps listening): a network failure.
   * @example await broker.dropConnections()
   */
  async dropConnections(): Promise<void> {
    this.router.dropAll();
    await letClientsNotice();
  }

  private hide(name: string): void {
    this.namespace.hidden.add(name.toLowerCase());
    this.router.detachAll(name, { condition: 'amqp:not-found', description: `The messaging entity '${this.endpoint}${name}' could not be found.` });
  }
}

/**
 * Lets clients in this process see their sockets close (two turns of the event loop) before the caller goes on:
 * the SDK's disconnect handling races with a `client.close()` issued in the same turn, which then never resolves.
 */
async function letClientsNotice(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}
