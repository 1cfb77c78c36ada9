/**
 * The AMQP side of the broker: one rhea container in server mode, its connections, and what each link the client
 * attaches is for — `$cbs` and `$management` request/reply links, producers (`serveProducerLink`) and receivers
 * (`DeliveryLink`, session receivers through `acceptSessionLink`). Links are refused as Service Bus refuses them.
 */
import type * as net from 'node:net';
import { create_container, type Connection, type Container, type EventContext, type Receiver, type Sender, type Session } from 'rhea';
import type { CbsContext } from './cbs';
import { DeliveryLink } from './delivery-link';
import type { BrokerFaults } from './faults';
import type { LockOwner, MessageStore } from './message-store';
import type { Namespace } from './namespace';
import { serveProducerLink } from './producer-link';
import { answerCbs, answerManagement, type ReplyLinks } from './request-nodes';
import { localAttach, refuseAttach, socketClosed, unusedCredit } from './rhea-internals';
import { acceptSessionLink, SESSION_FILTER, type PendingAccept } from './session-accept';
import type { BrokerError, BrokerRecords } from './types';

interface ConnectionState {
  readonly socket: net.Socket;
  /** Entity paths (lower case) a put-token authorized on this connection. */
  readonly authorized: Set<string>;
  readonly replyLinks: ReplyLinks;
  readonly deliveryLinks: Set<DeliveryLink>;
  readonly producerLinks: Map<Receiver, string>;
  /** Held accept-next-session attaches. */
  readonly pendingAccepts: Set<PendingAccept>;
}

/** What the router needs from the broker. */
export interface RouterContext {
  readonly namespace: Namespace;
  readonly faults: BrokerFaults;
  readonly maxMessageSize: number;
  readonly records: BrokerRecords;
  /** Credentials and endpoint for `$cbs` (without the per-request refusal hook). */
  readonly cbs: Omit<CbsContext, 'refuse' | 'entityExists'>;
}

const MANAGEMENT_SUFFIX = /\/\$management$/i;

/** Whether `path` is `entity` or below it (its dead-letter queue, `$management`, a subscription). */
export function sameEntity(path: string, entity: string): boolean {
  const p = path.toLowerCase();
  const e = entity.toLowerCase();
  return p === e || p.startsWith(`${e}/`);
}

/** Routes the links of every connection. */
export class LinkRouter {
  private readonly container: Container;
  private readonly connections = new Map<Connection, ConnectionState>();

  constructor(private readonly context: RouterContext) {
    this.container = create_container({
      id: 'tributary-service-bus-test-broker',
      autoaccept: false, // dispositions are the broker's decision
      autosettle: false,
      treat_modified_as_released: false, // modified = abandon/defer, released = abandon
    } as never);
    this.container.on('receiver_open', (event: EventContext) => this.onClientSenderAttach(event));
    this.container.on('sender_open', (event: EventContext) => this.onClientReceiverAttach(event));
    this.container.on('session_close', (event: EventContext) => this.onSessionClose(event.session!));
    this.container.on('connection_close', (event: EventContext) => {
      for (const pending of this.connections.get(event.connection)?.pendingAccepts ?? []) pending.abandon();
    });
    this.container.on('error', () => undefined); // errors the client sent on links it closed: nothing to do
    this.container.on('disconnected', () => undefined); // handled by the socket's 'close' (see accept)
  }

  /** Serves a new client socket. */
  accept(socket: net.Socket): void {
    const connection = (this.container as unknown as { create_connection(o: object): Connection & { accept(s: net.Socket): void } })
      .create_connection({});
    this.connections.set(connection, {
      socket, authorized: new Set(), replyLinks: new Map(), deliveryLinks: new Set(), producerLinks: new Map(), pendingAccepts: new Set(),
    });
    socket.on('close', () => {
      socketClosed(connection);
      this.forget(connection);
    });
    connection.accept(socket);
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** Destroys every client socket (and forgets the connections at once). */
  dropAll(): void {
    for (const [connection, state] of [...this.connections]) {
      state.socket.destroy();
      this.forget(connection);
    }
  }

  private forget(connection: Connection): void {
    const state = this.connections.get(connection);
    if (state === undefined) return;
    this.connections.delete(connection);
    for (const link of state.deliveryLinks) link.close();
    for (const pending of state.pendingAccepts) pending.cancel();
  }

  /** Open receiver links. */
  *deliveryLinks(): Iterable<DeliveryLink> {
    for (const state of this.connections.values()) yield* state.deliveryLinks;
  }

  /** Open producer links with the queue or topic they send to. */
  *producerLinks(): Iterable<[Receiver, string]> {
    for (const state of this.connections.values()) yield* state.producerLinks;
  }

  /** Credit the receivers of `entity` hold now. */
  receiverCredit(entity: string): number {
    let total = 0;
    for (const link of this.deliveryLinks()) if (sameEntity(link.store.path, entity)) total += Math.max(0, unusedCredit(link.sender));
    return total;
  }

  /** Detaches every link on `entity` with `error`. */
  detachAll(entity: string, error: BrokerError): void {
    for (const [receiver, path] of this.producerLinks()) if (sameEntity(path, entity)) receiver.close(error);
    for (const link of this.deliveryLinks()) if (sameEntity(link.store.path, entity)) link.close(error);
  }

  /** Detaches the session receiver whose lock expired. */
  sessionLost(sessionId: string, owner: LockOwner): void {
    for (const link of this.deliveryLinks()) {
      if (link.owner === owner) {
        link.close({ condition: 'com.microsoft:session-lock-lost', description: `The session lock has expired on the session with id ${sessionId}.` });
      }
    }
  }

  private refusal(state: ConnectionState, address: string, entity: string): BrokerError | undefined {
    if (!this.context.namespace.exists(entity)) {
      return { condition: 'amqp:not-found', description: `The messaging entity '${this.context.cbs.endpoint}${entity}' could not be found.` };
    }
    if (state.authorized.has(address.toLowerCase())) return undefined;
    return { condition: 'amqp:unauthorized-access', description: `Unauthorized access. No valid token was put on $cbs for '${address}'.` };
  }

  /** The client attached a link it sends on: `$cbs`/`$management` requests, or a producer. */
  private onClientSenderAttach(event: EventContext): void {
    const receiver = event.receiver!;
    const state = this.connections.get(event.connection);
    if (state === undefined) return;
    const address = String(receiver.target?.address ?? '');
    this.record('sender', receiver, address, undefined);
    const attach = localAttach(receiver);
    echoSettleModes(receiver, attach);
    const { namespace, faults, records } = this.context;
    if (address === '$cbs') {
      const cbs: CbsContext = {
        ...this.context.cbs,
        entityExists: (path) => namespace.exists(path),
        refuse: (audience) => faults.takePutTokenRefusal(audience),
      };
      receiver.on('message', (e: EventContext) => {
        const authorized = answerCbs(e, state.replyLinks, cbs, records.putTokens);
        if (authorized !== undefined) state.authorized.add(authorized);
      });
      return;
    }
    if (MANAGEMENT_SUFFIX.test(address)) {
      const entity = address.replace(MANAGEMENT_SUFFIX, '');
      const refused = this.refusal(state, address, entity);
      if (refused !== undefined) return refuseAttach(receiver, refused);
      receiver.on('message', (e: EventContext) => answerManagement(e, state.replyLinks, entity, namespace.store(entity), records.managementRequests));
      return;
    }
    const refused = this.refusal(state, address, address) ?? (namespace.sendTarget(address) === undefined
      ? { condition: 'amqp:not-allowed', description: `'${address}' cannot be sent to: it is not a queue or topic.` }
      : undefined);
    if (refused !== undefined) return refuseAttach(receiver, refused);
    attach.max_message_size = this.context.maxMessageSize;
    state.producerLinks.set(receiver, address);
    receiver.on('receiver_close', () => state.producerLinks.delete(receiver));
    serveProducerLink(receiver, address, {
      namespace, faults, maxMessageSize: this.context.maxMessageSize, dropConnection: () => state.socket.destroy(),
    });
  }

  /** The client attached a link it receives on: a `$cbs`/`$management` reply link, or a message receiver. */
  private onClientReceiverAttach(event: EventContext): void {
    const sender = event.sender!;
    const state = this.connections.get(event.connection);
    if (state === undefined) return;
    const address = String(sender.source?.address ?? '');
    const sessionFilter = sessionFilterOf(sender);
    this.record('receiver', sender, address, sessionFilter);
    echoSettleModes(sender, localAttach(sender));
    if (address === '$cbs' || MANAGEMENT_SUFFIX.test(address)) {
      state.replyLinks.set(String(sender.target?.address ?? sender.name), sender);
      state.replyLinks.set(sender.name, sender);
      return;
    }
    const store = this.context.namespace.store(address);
    const refused = this.refusal(state, address, address) ?? (store === undefined
      ? { condition: 'amqp:not-allowed', description: `'${address}' cannot be received from: it is a topic; receive from a subscription.` }
      : receiverMismatch(store, address, sessionFilter));
    if (refused !== undefined || store === undefined) return refuseAttach(sender, refused!);
    const peekLock = sender.snd_settle_mode !== 1;
    const serve = (sessionId: string | undefined, owner?: LockOwner): void => {
      const link = new DeliveryLink(sender, store, sessionId, peekLock, () => this.context.faults.dispositionDelay, owner, this.creditTracker(store));
      state.deliveryLinks.add(link);
      sender.on('sender_close', () => {
        link.close();
        state.deliveryLinks.delete(link);
      });
      link.pump();
    };
    if (sessionFilter === undefined) return serve(undefined);
    let pending: PendingAccept | undefined; // set only while the attach is held (the callback may run before)
    pending = acceptSessionLink(sender, store, sessionFilter, (sessionId, owner) => {
      if (pending !== undefined) state.pendingAccepts.delete(pending);
      serve(sessionId, owner);
    });
    if (pending !== undefined) {
      const held = pending;
      state.pendingAccepts.add(held);
      sender.on('sender_close', () => state.pendingAccepts.delete(held));
    }
  }

  private creditTracker(store: MessageStore): (credit: number) => void {
    const entity = store.path.toLowerCase();
    const marks = this.context.records.creditHighWater;
    return (credit) => {
      if (credit > (marks.get(entity) ?? 0)) marks.set(entity, credit);
    };
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

  private record(role: 'sender' | 'receiver', link: Sender | Receiver, address: string, sessionFilter: string | null | undefined): void {
    this.context.records.attaches.push({
      role,
      name: link.name,
      address,
      properties: { ...((link.properties ?? {}) as Record<string, unknown>) },
      sndSettleMode: link.snd_settle_mode ?? undefined,
      rcvSettleMode: link.rcv_settle_mode ?? undefined,
      sessionFilter,
    });
  }
}

/** The session the client asked for: an id, null (accept next session), or undefined (not a session receiver). */
function sessionFilterOf(sender: Sender): string | null | undefined {
  const filter = (sender.source as { filter?: Record<string, unknown> | null } | undefined)?.filter;
  if (filter === undefined || filter === null || !(SESSION_FILTER in filter)) return undefined;
  const id = filter[SESSION_FILTER];
  return id === undefined || id === null ? null : String(id);
}

/** A session receiver on a non-session entity or the other way round is refused, as Service Bus refuses it. */
function receiverMismatch(store: MessageStore, address: string, sessionFilter: string | null | undefined): BrokerError | undefined {
  if (sessionFilter === undefined && store.settings.requiresSession) {
    return {
      condition: 'amqp:not-allowed',
      description: `It is not possible for an entity that requires sessions to create a non-sessionful message receiver ('${address}').`,
    };
  }
  if (sessionFilter !== undefined && !store.settings.requiresSession) {
    return { condition: 'amqp:not-allowed', description: `'${address}' does not require sessions; a session receiver cannot be created on it.` };
  }
  return undefined;
}

/** Answers with the settle modes the client asked for, as Service Bus does. */
function echoSettleModes(link: Sender | Receiver, attach: ReturnType<typeof localAttach>): void {
  if (typeof link.snd_settle_mode === 'number') attach.snd_settle_mode = link.snd_settle_mode;
  if (typeof link.rcv_settle_mode === 'number') attach.rcv_settle_mode = link.rcv_settle_mode;
}
