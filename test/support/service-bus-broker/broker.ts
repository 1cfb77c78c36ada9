/**
 * A Service Bus–compatible AMQP 1.0 broker for tests, built on rhea in server mode, that the real
 * `@azure/service-bus` client talks to over loopback (see docs/testing-service-bus.md).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as net from 'node:net';
import {
  create_container,
  type Connection, type Container, type EventContext, type Message, type Receiver, type Sender, type Session,
} from 'rhea';
import { putToken } from './cbs';
import { acceptedState, decodeBody, dotnetTicks, encodeInjected, optionalString } from './codec';
import { DeliveryLink } from './delivery-link';
import { BrokerFaults } from './faults';
import { handleManagement, type ManagementResponse } from './management';
import type { LockOwner, MessageStore, StoredMessage } from './message-store';
import { Namespace } from './namespace';
import { serveProducerLink } from './producer-link';
import { holdAttach, localAttach, refuseAttach, releaseAttach, socketClosed, unusedCredit } from './rhea-internals';
import type {
  BrokerError, BrokerOptions, InjectedMessage, QueueOptions, ReceivedMessage, StoredMessageView, SubscriptionOptions, TopicOptions,
} from './types';

/** One link the broker saw attach, for wire-level assertions. */
export interface AttachRecord {
  /** `sender` = the client sends on it (a producer, or a request link); `receiver` = the client receives. */
  readonly role: 'sender' | 'receiver';
  readonly name: string;
  readonly address: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly sndSettleMode: number | undefined;
  readonly rcvSettleMode: number | undefined;
  /** The session filter the client asked for: a session id, null (next available), or undefined (none). */
  readonly sessionFilter: string | null | undefined;
}

/** One put-token request. */
export interface PutTokenRecord {
  readonly audience: string;
  readonly tokenType: string;
  readonly statusCode: number;
}

interface ConnectionState {
  readonly socket: net.Socket;
  readonly authorized: Set<string>;
  readonly replyLinks: Map<string, Sender>;
  readonly deliveryLinks: Set<DeliveryLink>;
  readonly producerLinks: Map<Receiver, string>;
  readonly waiters: Set<() => void>;
}

const DEFAULT_MAX_MESSAGE_SIZE = 262_144;
const SESSION_FILTER = 'com.microsoft:session-filter';
const DEFAULT_ACCEPT_TIMEOUT_MS = 60_000;

/**
 * The test broker. Start one per test file; create the entities the test uses; point the SDK at
 * `connectionString`.
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
  /** Every link attach, in order. */
  readonly attaches: AttachRecord[] = [];
  /** Every put-token request, in order. */
  readonly putTokens: PutTokenRecord[] = [];
  private readonly namespace = new Namespace();
  private readonly keyName = 'RootManageSharedAccessKey';
  private readonly key = randomBytes(32).toString('base64');
  private readonly maxMessageSize: number;
  private readonly container: Container;
  private readonly connections = new Map<Connection, ConnectionState>();
  private readonly creditHighWaterMarks = new Map<string, number>();
  private server: net.Server | undefined;
  private listeningPort = 0;
  private connectionsAccepted = 0;

  private constructor(options: BrokerOptions) {
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    if (!Number.isInteger(this.maxMessageSize) || this.maxMessageSize < 1024) {
      throw new RangeError(`ServiceBusTestBroker: maxMessageSize must be an integer >= 1024, got ${String(options.maxMessageSize)}`);
    }
    this.faults = new BrokerFaults((name) => this.hide(name));
    this.container = create_container({
      id: 'tributary-service-bus-test-broker',
      autoaccept: false,
      autosettle: false,
      treat_modified_as_released: false,
    } as never);
    this.container.on('receiver_open', (context: EventContext) => this.onClientSenderAttach(context));
    this.container.on('sender_open', (context: EventContext) => this.onClientReceiverAttach(context));
    this.container.on('session_close', (context: EventContext) => this.onSessionClose(context.session!));
    this.container.on('error', () => undefined); // link/session errors the client sent us: nothing to do
    this.container.on('disconnected', () => undefined); // handled by the socket's 'close' (see accept)
  }

  /** Starts a broker on 127.0.0.1 (`port` 0 = any free port). */
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
    return `Endpoint=sb://127.0.0.1:${this.listeningPort};SharedAccessKeyName=${this.keyName};SharedAccessKey=${this.key};UseDevelopmentEmulator=true`;
  }

  /** AMQP connections currently open. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** AMQP connections accepted since start. */
  get acceptedConnections(): number {
    return this.connectionsAccepted;
  }

  // ---- entities ----

  /** Creates a queue. @example broker.createQueue('orders', { requiresSession: true, maxDeliveryCount: 3 }) */
  createQueue(name: string, options: QueueOptions = {}): this {
    this.watchSessions(this.namespace.createQueue(name, options));
    return this;
  }

  /** Creates a topic. @example broker.createTopic('cdc', { requiresDuplicateDetection: true }) */
  createTopic(name: string, options: TopicOptions = {}): this {
    this.namespace.createTopic(name, options);
    return this;
  }

  /** Creates a subscription receiving every message sent to `topic` (no filters). */
  createSubscription(topic: string, name: string, options: SubscriptionOptions = {}): this {
    this.watchSessions(this.namespace.createSubscription(topic, name, options));
    return this;
  }

  private watchSessions(store: MessageStore): void {
    store.onSessionLost = (sessionId: string, owner: LockOwner) => {
      for (const state of this.connections.values()) {
        for (const link of state.deliveryLinks) {
          if (link.owner === owner) {
            link.close({ condition: 'com.microsoft:session-lock-lost', description: `The session lock has expired on the session with id ${sessionId}.` });
          }
        }
      }
    };
  }

  // ---- observations ----

  /** Everything producers sent to queue or topic `entity` and the broker accepted, in order (duplicates flagged). */
  received(entity: string): readonly ReceivedMessage[] {
    return this.namespace.received(entity);
  }

  /** AMQP transfers accepted for queue or topic `entity` (a batch is one transfer). */
  transfers(entity: string): number {
    return this.namespace.transfers(entity);
  }

  /** Messages in queue/subscription `entity` (available, locked and deferred). */
  queueDepth(entity: string): number {
    return this.namespace.requireStore(entity).all().length;
  }

  /** The messages in queue/subscription/dead-letter queue `entity`, in sequence order. */
  messages(entity: string): StoredMessageView[] {
    return this.namespace.requireStore(entity).all().map(view);
  }

  /** The dead-letter queue of queue/subscription `entity`. */
  deadLetters(entity: string): StoredMessageView[] {
    return this.messages(`${entity}/$DeadLetterQueue`);
  }

  /** Messages of `entity` locked by a receiver now. */
  locked(entity: string): number {
    return this.namespace.requireStore(entity).lockedCount;
  }

  /** Credit the receivers of `entity` hold now (granted, not yet used). */
  receiverCredit(entity: string): number {
    let total = 0;
    for (const state of this.connections.values()) {
      for (const link of state.deliveryLinks) if (sameEntity(link.store.path, entity)) total += Math.max(0, unusedCredit(link.sender));
    }
    return total;
  }

  /** The most credit any one receiver link on `entity` held at once. */
  creditHighWater(entity: string): number {
    return this.creditHighWaterMarks.get(entity.toLowerCase()) ?? 0;
  }

  /** Links open on `entity` now (producers and receivers, including its `$DeadLetterQueue`). */
  openLinks(entity: string): number {
    let count = 0;
    for (const state of this.connections.values()) {
      for (const path of state.producerLinks.values()) if (sameEntity(path, entity)) count++;
      for (const link of state.deliveryLinks) if (sameEntity(link.store.path, entity)) count++;
    }
    return count;
  }

  /** Injects a message into queue or topic `entity` as if another producer had sent it; returns its sequence number. */
  send(entity: string, message: InjectedMessage): number | undefined {
    const target = this.namespace.sendTarget(entity);
    if (target === undefined) throw new Error(`send: no queue or topic named '${entity}'`);
    this.namespace.accept(target, [encodeInjected(message)]);
    return target.received[target.received.length - 1]!.enqueuedSequenceNumber;
  }

  // ---- lifecycle ----

  private async listen(port: number): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
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

  private accept(socket: net.Socket): void {
    this.connectionsAccepted++;
    const connection = (this.container as unknown as { create_connection(o: object): Connection & { accept(s: net.Socket): void } })
      .create_connection({});
    const state: ConnectionState = {
      socket, authorized: new Set(), replyLinks: new Map(), deliveryLinks: new Set(), producerLinks: new Map(), waiters: new Set(),
    };
    this.connections.set(connection, state);
    socket.on('close', () => {
      socketClosed(connection);
      this.forget(connection);
    });
    connection.accept(socket);
  }

  private forget(connection: Connection): void {
    const state = this.connections.get(connection);
    if (state === undefined) return;
    this.connections.delete(connection);
    for (const link of state.deliveryLinks) link.close();
    for (const cancel of state.waiters) cancel();
  }

  private async closeServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const state of this.connections.values()) state.socket.destroy();
    for (const connection of [...this.connections.keys()]) this.forget(connection);
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops every connection and listens again on the same port (state is kept); clients must reconnect. */
  async restart(): Promise<void> {
    await this.closeServer();
    await this.listen(this.listeningPort);
  }

  /** Drops every connection and stops listening (idempotent). */
  async stop(): Promise<void> {
    await this.closeServer();
    for (const store of this.namespace.allStores()) store.close();
  }

  /** Drops every client connection now (the server keeps listening). */
  dropConnections(): void {
    for (const state of this.connections.values()) state.socket.destroy();
  }

  // ---- links ----

  private state(connection: Connection): ConnectionState | undefined {
    return this.connections.get(connection);
  }

  private authorize(state: ConnectionState, address: string): BrokerError | undefined {
    if (state.authorized.has(address.toLowerCase())) return undefined;
    return { condition: 'amqp:unauthorized-access', description: `Unauthorized access. No valid token was put on $cbs for '${address}'.` };
  }

  /** The client attached a link it sends on: `$cbs`/`$management` requests, or a producer. */
  private onClientSenderAttach(context: EventContext): void {
    const receiver = context.receiver!;
    const state = this.state(context.connection);
    if (state === undefined) return;
    const address = String(receiver.target?.address ?? '');
    this.record('sender', receiver.name, address, receiver.properties, receiver.snd_settle_mode, receiver.rcv_settle_mode, undefined);
    const attach = localAttach(receiver);
    echoSettleModes(receiver, attach);
    if (address === '$cbs') {
      receiver.on('message', (event: EventContext) => this.onCbsRequest(state, event));
      return;
    }
    if (/\/\$management$/i.test(address)) {
      const entity = address.replace(/\/\$management$/i, '');
      const refusal = this.linkRefusal(state, address, entity);
      if (refusal !== undefined) return refuseAttach(receiver, refusal);
      receiver.on('message', (event: EventContext) => this.onManagementRequest(state, entity, event));
      return;
    }
    const refusal = this.linkRefusal(state, address, address) ?? (this.namespace.sendTarget(address) === undefined
      ? { condition: 'amqp:not-allowed', description: `'${address}' cannot be sent to: it is not a queue or topic.` }
      : undefined);
    if (refusal !== undefined) return refuseAttach(receiver, refusal);
    attach.max_message_size = this.maxMessageSize;
    state.producerLinks.set(receiver, address);
    receiver.on('receiver_close', () => state.producerLinks.delete(receiver));
    serveProducerLink(receiver, address, {
      namespace: this.namespace,
      faults: this.faults,
      maxMessageSize: this.maxMessageSize,
      dropConnection: () => state.socket.destroy(),
    });
  }

  private linkRefusal(state: ConnectionState, address: string, entity: string): BrokerError | undefined {
    if (!this.namespace.exists(entity)) {
      return { condition: 'amqp:not-found', description: `The messaging entity '${this.endpoint}${entity}' could not be found.` };
    }
    return this.authorize(state, address);
  }

  /** The client attached a link it receives on: a `$cbs`/`$management` reply link, or a message receiver. */
  private onClientReceiverAttach(context: EventContext): void {
    const sender = context.sender!;
    const state = this.state(context.connection);
    if (state === undefined) return;
    const address = String(sender.source?.address ?? '');
    const filter = (sender.source as { filter?: Record<string, unknown> } | undefined)?.filter;
    const sessionFilter = filter !== undefined && filter !== null && SESSION_FILTER in filter
      ? (filter[SESSION_FILTER] === undefined || filter[SESSION_FILTER] === null ? null : String(filter[SESSION_FILTER]))
      : undefined;
    this.record('receiver', sender.name, address, sender.properties, sender.snd_settle_mode, sender.rcv_settle_mode, sessionFilter);
    const attach = localAttach(sender);
    echoSettleModes(sender, attach);
    if (address === '$cbs' || /\/\$management$/i.test(address)) {
      const replyTo = String(sender.target?.address ?? sender.name);
      state.replyLinks.set(replyTo, sender);
      state.replyLinks.set(sender.name, sender);
      return;
    }
    const store = this.namespace.store(address);
    const refusal = this.linkRefusal(state, address, address) ?? (store === undefined
      ? { condition: 'amqp:not-allowed', description: `'${address}' cannot be received from: it is a topic; receive from a subscription.` }
      : undefined);
    if (refusal !== undefined || store === undefined) return refuseAttach(sender, refusal!);
    const peekLock = sender.snd_settle_mode !== 1;
    if (sessionFilter === undefined) {
      if (store.settings.requiresSession) {
        return refuseAttach(sender, {
          condition: 'amqp:not-allowed',
          description: `It is not possible for an entity that requires sessions to create a non-sessionful message receiver ('${address}').`,
        });
      }
      this.serve(state, new DeliveryLink(sender, store, undefined, peekLock, () => this.faults.dispositionDelay, undefined, this.creditTracker(store)));
      return;
    }
    if (!store.settings.requiresSession) {
      return refuseAttach(sender, {
        condition: 'amqp:not-allowed',
        description: `'${address}' does not require sessions; a session receiver cannot be created on it.`,
      });
    }
    this.acceptSession(state, sender, store, sessionFilter, peekLock);
  }

  private acceptSession(state: ConnectionState, sender: Sender, store: MessageStore, requested: string | null, peekLock: boolean): void {
    const owner: LockOwner = { id: randomUUID() };
    const address = String(sender.source.address);
    const answer = (sessionId: string, lockedUntil: number): void => {
      sender.set_source({ address, filter: { [SESSION_FILTER]: sessionId } } as never);
      const attach = localAttach(sender);
      attach.properties = { ...(attach.properties ?? {}), 'com.microsoft:locked-until-utc': dotnetTicks(lockedUntil) };
      this.serve(state, new DeliveryLink(sender, store, sessionId, peekLock, () => this.faults.dispositionDelay, owner, this.creditTracker(store)));
    };
    const first = store.acceptSession(requested ?? undefined, owner);
    if (first !== undefined) {
      if ('condition' in first) refuseAttach(sender, first);
      else answer(first.sessionId, first.lockedUntil);
      return;
    }
    // accept-next-session and no session has messages yet: hold the attach until one does, or the client's timeout
    holdAttach(sender);
    const timeoutMs = Number((sender.properties as Record<string, unknown> | undefined)?.['com.microsoft:timeout'] ?? DEFAULT_ACCEPT_TIMEOUT_MS);
    const finish = (): void => {
      clearTimeout(timer);
      unsubscribe();
      state.waiters.delete(finish);
    };
    const unsubscribe = store.onChange(() => {
      if (!sender.is_remote_open()) return finish();
      const next = store.acceptSession(undefined, owner);
      if (next === undefined || 'condition' in next) return;
      finish();
      releaseAttach(sender);
      answer(next.sessionId, next.lockedUntil);
    });
    const timer = setTimeout(() => {
      finish();
      refuseAttach(sender, {
        condition: 'com.microsoft:timeout',
        description: `The operation did not complete within the allotted timeout of ${timeoutMs} ms: no session with messages became available.`,
      });
    }, timeoutMs);
    timer.unref();
    state.waiters.add(finish);
    sender.on('sender_close', finish);
  }

  private creditTracker(store: MessageStore): (credit: number) => void {
    const entity = store.path.toLowerCase();
    return (credit) => {
      if (credit > (this.creditHighWaterMarks.get(entity) ?? 0)) this.creditHighWaterMarks.set(entity, credit);
    };
  }

  private serve(state: ConnectionState, link: DeliveryLink): void {
    state.deliveryLinks.add(link);
    link.sender.on('sender_close', () => {
      link.close();
      state.deliveryLinks.delete(link);
    });
    link.pump();
  }

  private onSessionClose(session: Session): void {
    for (const state of this.connections.values()) {
      for (const link of state.deliveryLinks) {
        if (link.sender.session === session) {
          link.close();
          state.deliveryLinks.delete(link);
        }
      }
    }
  }

  private record(role: 'sender' | 'receiver', name: string, address: string, properties: unknown, snd: number | undefined, rcv: number | undefined, sessionFilter: string | null | undefined): void {
    this.attaches.push({
      role, name, address, properties: { ...((properties ?? {}) as Record<string, unknown>) }, sndSettleMode: snd, rcvSettleMode: rcv, sessionFilter,
    });
  }

  // ---- request/response nodes ----

  private reply(state: ConnectionState, request: Message, applicationProperties: Record<string, unknown>, body: unknown): void {
    const replyTo = String(request.reply_to ?? '');
    const link = state.replyLinks.get(replyTo);
    if (link === undefined) return; // the client gave no reply link: nothing to answer on (it times out)
    link.send({ to: replyTo, correlation_id: request.message_id, application_properties: applicationProperties, body } as Message);
  }

  private onCbsRequest(state: ConnectionState, event: EventContext): void {
    const request = event.message!;
    event.delivery!.update(true, acceptedState());
    const props = (request.application_properties ?? {}) as Record<string, unknown>;
    const result = putToken(request, {
      keyName: this.keyName,
      key: this.key,
      endpoint: this.endpoint,
      entityExists: (path) => this.namespace.exists(path),
      refuse: (audience) => this.faults.takePutTokenRefusal(audience),
    });
    this.putTokens.push({ audience: String(props['name'] ?? ''), tokenType: String(props['type'] ?? ''), statusCode: result.statusCode });
    if (result.entityPath !== undefined) state.authorized.add(result.entityPath);
    this.reply(state, request, { 'status-code': result.statusCode, 'status-description': result.description }, undefined);
  }

  private onManagementRequest(state: ConnectionState, entity: string, event: EventContext): void {
    const request = event.message!;
    event.delivery!.update(true, acceptedState());
    const response: ManagementResponse = handleManagement(request, this.namespace.store(entity), entity);
    const props: Record<string, unknown> = { statusCode: response.statusCode, statusDescription: response.statusDescription };
    if (response.errorCondition !== undefined) props['errorCondition'] = response.errorCondition;
    this.reply(state, request, props, response.body ?? null);
  }

  // ---- faults needing the broker ----

  private hide(name: string): void {
    const lower = name.toLowerCase();
    this.namespace.hidden.add(lower);
    const notFound = { condition: 'amqp:not-found', description: `The messaging entity '${this.endpoint}${name}' could not be found.` };
    for (const state of this.connections.values()) {
      for (const [receiver, path] of state.producerLinks) if (sameEntity(path, name)) receiver.close(notFound);
      for (const link of state.deliveryLinks) if (sameEntity(link.store.path, name)) link.close(notFound);
    }
  }
}

/** Answers with the settle modes the client asked for, as Service Bus does. */
function echoSettleModes(link: Sender | Receiver, attach: ReturnType<typeof localAttach>): void {
  if (typeof link.snd_settle_mode === 'number') attach.snd_settle_mode = link.snd_settle_mode;
  if (typeof link.rcv_settle_mode === 'number') attach.rcv_settle_mode = link.rcv_settle_mode;
}

function sameEntity(path: string, entity: string): boolean {
  const p = path.toLowerCase();
  const e = entity.toLowerCase();
  return p === e || p.startsWith(`${e}/`);
}

function view(stored: StoredMessage): StoredMessageView {
  const props = { ...((stored.amqp.application_properties ?? {}) as Record<string, unknown>), ...stored.extraProperties };
  return {
    sequenceNumber: stored.sequenceNumber,
    body: decodeBody(stored.amqp.body),
    messageId: optionalString(stored.amqp.message_id),
    sessionId: stored.sessionId,
    subject: optionalString(stored.amqp.subject),
    applicationProperties: props,
    deliveryCount: stored.deliveryCount,
    locked: stored.lock !== undefined,
    deadLetterReason: props['DeadLetterReason'] as string | undefined,
    deadLetterErrorDescription: props['DeadLetterErrorDescription'] as string | undefined,
  };
}
