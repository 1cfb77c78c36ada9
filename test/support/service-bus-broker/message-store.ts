/**
 * One receivable entity of the test broker (a queue, a subscription, or a dead-letter queue): messages in sequence
 * order, peek-locks with expiry, settlement, max delivery count → dead-letter queue, deferral, and sessions (a
 * session lock per session id, session state, per-session order).
 */
import type { Message } from 'rhea';
import { amqpLong, decodeBody, newLockToken, optionalString } from './codec';
import type { BrokerError, StoredMessageView } from './types';

/** Who holds a lock: one receiver link (or, for locks taken over `$management`, nobody in particular). */
export interface LockOwner {
  readonly id: string;
}

/** A message in a store. */
export interface StoredMessage {
  readonly sequenceNumber: number;
  readonly enqueuedTime: Date;
  /** As the producer sent it (a decoded rhea message). */
  readonly amqp: Message;
  readonly sessionId: string | undefined;
  /** Deliveries so far; the next delivery's `delivery_count` header. */
  deliveryCount: number;
  deferred: boolean;
  lock: MessageLock | undefined;
  /** Application properties added by abandon/dead-letter `propertiesToModify` and dead-lettering. */
  readonly extraProperties: Record<string, unknown>;
  deadLetterSource: string | undefined;
}

interface MessageLock {
  readonly token: string;
  readonly owner: LockOwner;
  until: number;
  timer: NodeJS.Timeout | undefined;
}

interface SessionRecord {
  state: Buffer | undefined;
  owner: LockOwner | undefined;
  lockedUntil: number;
  timer: NodeJS.Timeout | undefined;
}

/** Settings of a store; see `QueueOptions`. */
export interface StoreSettings {
  readonly requiresSession: boolean;
  readonly maxDeliveryCount: number;
  readonly lockDurationMs: number;
}

/** What a delivery needs: the message to encode, with Service Bus annotations, and its lock token. */
export interface Delivery {
  readonly message: Message;
  /** Undefined in receive-and-delete mode. */
  readonly lockToken: string | undefined;
  readonly deliveryTag: Buffer | undefined;
  readonly stored: StoredMessage;
}

/** How a receiver settles a message. */
export type Settlement =
  | { readonly kind: 'complete' }
  | { readonly kind: 'abandon'; readonly propertiesToModify?: Record<string, unknown> }
  | { readonly kind: 'defer'; readonly propertiesToModify?: Record<string, unknown> }
  | {
      readonly kind: 'deadLetter';
      readonly reason?: string;
      readonly description?: string;
      readonly propertiesToModify?: Record<string, unknown>;
    };

const LOCK_LOST: BrokerError = {
  condition: 'com.microsoft:message-lock-lost',
  description:
    'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.',
};

/** A queue, subscription or dead-letter queue. */
export class MessageStore {
  private readonly messages: StoredMessage[] = [];
  private readonly locks = new Map<string, StoredMessage>();
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly listeners = new Set<() => void>();
  private notifyScheduled = false;
  private closed = false;
  /** The dead-letter queue (`<path>/$DeadLetterQueue`); undefined for a dead-letter queue itself. */
  readonly deadLetterQueue: MessageStore | undefined;

  constructor(
    /** Entity path, e.g. `orders` or `cdc/Subscriptions/all` (dead-letter queue: `…/$DeadLetterQueue`). */
    readonly path: string,
    readonly settings: StoreSettings,
    private readonly nextSequenceNumber: () => number,
    isDeadLetterQueue = false,
  ) {
    this.deadLetterQueue = isDeadLetterQueue
      ? undefined
      : new MessageStore(`${path}/$DeadLetterQueue`, { requiresSession: false, maxDeliveryCount: Number.MAX_SAFE_INTEGER, lockDurationMs: settings.lockDurationMs }, nextSequenceNumber, true);
  }

  /** Adds a message; returns its sequence number. */
  enqueue(amqp: Message, sequenceNumber = this.nextSequenceNumber()): number {
    const sessionId = amqp.group_id === undefined || amqp.group_id === null ? undefined : String(amqp.group_id);
    this.messages.push({
      sequenceNumber, enqueuedTime: new Date(), amqp, sessionId, deliveryCount: 0, deferred: false,
      lock: undefined, extraProperties: {}, deadLetterSource: undefined,
    });
    this.changed();
    return sequenceNumber;
  }

  /** Every message (available, locked and deferred), in sequence order. */
  all(): readonly StoredMessage[] {
    return this.messages;
  }

  get lockedCount(): number {
    return this.locks.size;
  }

  /** Calls `listener` (batched per tick) whenever messages may have become deliverable or a session free. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    if (this.notifyScheduled || this.closed) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      for (const listener of [...this.listeners]) listener();
    });
  }

  /** The next message a receiver may get: not locked, not deferred, of `sessionId` when given. */
  nextDeliverable(sessionId: string | undefined): StoredMessage | undefined {
    return this.messages.find(
      (m) => m.lock === undefined && !m.deferred && (sessionId === undefined || m.sessionId === sessionId),
    );
  }

  /**
   * Delivers `stored` to `owner`: in peek-lock mode locks it (until the session lock for session messages, else
   * for the lock duration, after which it returns to the queue); in receive-and-delete mode removes it.
   */
  deliver(stored: StoredMessage, owner: LockOwner, peekLock: boolean): Delivery {
    const priorDeliveries = stored.deliveryCount;
    stored.deliveryCount++;
    let lockToken: string | undefined;
    let deliveryTag: Buffer | undefined;
    let lockedUntil: number | undefined;
    if (peekLock) {
      const created = newLockToken();
      lockToken = created.token;
      deliveryTag = created.deliveryTag;
      const session = stored.sessionId === undefined ? undefined : this.sessions.get(stored.sessionId);
      lockedUntil = session !== undefined && this.settings.requiresSession ? session.lockedUntil : Date.now() + this.settings.lockDurationMs;
      stored.lock = { token: lockToken, owner, until: lockedUntil, timer: undefined };
      if (!this.settings.requiresSession) this.armLockTimer(stored);
      this.locks.set(lockToken, stored);
    } else {
      this.remove(stored);
    }
    return { message: this.outgoing(stored, priorDeliveries, lockedUntil), lockToken, deliveryTag, stored };
  }

  /** The message as a receiver or peek sees it: the producer's message plus the broker's annotations. */
  outgoing(stored: StoredMessage, deliveryCount: number, lockedUntil: number | undefined): Message {
    const annotations: Record<string, unknown> = {
      ...(stored.amqp.message_annotations ?? {}),
      'x-opt-sequence-number': amqpLong(stored.sequenceNumber),
      'x-opt-enqueued-time': stored.enqueuedTime,
    };
    if (lockedUntil !== undefined) annotations['x-opt-locked-until'] = new Date(lockedUntil);
    if (stored.deferred) annotations['x-opt-message-state'] = 1;
    if (stored.deadLetterSource !== undefined) annotations['x-opt-deadletter-source'] = stored.deadLetterSource;
    const properties = { ...(stored.amqp.application_properties ?? {}), ...stored.extraProperties };
    return {
      ...stored.amqp,
      delivery_count: deliveryCount,
      message_annotations: annotations,
      application_properties: Object.keys(properties).length === 0 ? undefined : properties,
    } as Message;
  }

  private armLockTimer(stored: StoredMessage): void {
    const lock = stored.lock!;
    if (lock.timer !== undefined) clearTimeout(lock.timer);
    lock.timer = setTimeout(() => {
      if (stored.lock === lock) this.release(stored);
    }, Math.max(0, lock.until - Date.now()));
    lock.timer.unref();
  }

  /** A lock's message, or undefined when the token is unknown, expired or already settled. */
  lockedMessage(token: string): StoredMessage | undefined {
    return this.locks.get(token);
  }

  /** Settles the message locked under `token`; a lost lock gives `com.microsoft:message-lock-lost`. */
  settle(token: string, settlement: Settlement): BrokerError | undefined {
    const stored = this.locks.get(token);
    if (stored === undefined) return LOCK_LOST;
    if (stored.sessionId !== undefined && this.settings.requiresSession) {
      const session = this.sessions.get(stored.sessionId);
      if (session === undefined || session.owner === undefined || session.lockedUntil < Date.now()) {
        return { condition: 'com.microsoft:session-lock-lost', description: `The session lock has expired on the session with id ${stored.sessionId}.` };
      }
    }
    this.unlock(stored);
    switch (settlement.kind) {
      case 'complete':
        this.remove(stored);
        break;
      case 'abandon':
        Object.assign(stored.extraProperties, settlement.propertiesToModify ?? {});
        this.returnOrDeadLetter(stored);
        break;
      case 'defer':
        Object.assign(stored.extraProperties, settlement.propertiesToModify ?? {});
        stored.deferred = true;
        break;
      case 'deadLetter':
        this.deadLetter(stored, settlement.reason, settlement.description, settlement.propertiesToModify);
        break;
    }
    return undefined;
  }

  /** Extends the lock under `token` by the lock duration; returns the new expiry or the lock-lost error. */
  renewLock(token: string): number | BrokerError {
    const stored = this.locks.get(token);
    if (stored === undefined || stored.lock === undefined) return LOCK_LOST;
    if (this.settings.requiresSession) {
      return { condition: 'amqp:not-allowed', description: 'Renewing a message lock is not supported on session receivers; renew the session lock.' };
    }
    stored.lock.until = Date.now() + this.settings.lockDurationMs;
    this.armLockTimer(stored);
    return stored.lock.until;
  }

  private unlock(stored: StoredMessage): void {
    if (stored.lock === undefined) return;
    if (stored.lock.timer !== undefined) clearTimeout(stored.lock.timer);
    this.locks.delete(stored.lock.token);
    stored.lock = undefined;
  }

  /** Lock expired or lost: back to the queue, or to the dead-letter queue after the max delivery count. */
  private release(stored: StoredMessage): void {
    this.unlock(stored);
    this.returnOrDeadLetter(stored);
  }

  private returnOrDeadLetter(stored: StoredMessage): void {
    if (stored.deliveryCount >= this.settings.maxDeliveryCount) {
      this.deadLetter(stored, 'MaxDeliveryCountExceeded', `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`, undefined);
    } else {
      this.changed();
    }
  }

  private deadLetter(stored: StoredMessage, reason: string | undefined, description: string | undefined, properties: Record<string, unknown> | undefined): void {
    this.remove(stored);
    const dlq = this.deadLetterQueue;
    if (dlq === undefined) return; // dead-lettering from a dead-letter queue removes the message
    const extra: Record<string, unknown> = { ...stored.extraProperties, ...(properties ?? {}) };
    if (reason !== undefined) extra['DeadLetterReason'] = reason;
    if (description !== undefined) extra['DeadLetterErrorDescription'] = description;
    dlq.messages.push({
      sequenceNumber: stored.sequenceNumber, enqueuedTime: stored.enqueuedTime, amqp: stored.amqp,
      sessionId: stored.sessionId, deliveryCount: stored.deliveryCount, deferred: false, lock: undefined,
      extraProperties: extra, deadLetterSource: this.path,
    });
    dlq.changed();
  }

  private remove(stored: StoredMessage): void {
    const index = this.messages.indexOf(stored);
    if (index >= 0) this.messages.splice(index, 1);
  }

  /** Up to `count` messages from sequence number `from` on (locked and deferred included), of `sessionId` if given. */
  peek(from: number, count: number, sessionId: string | undefined): StoredMessage[] {
    return this.messages
      .filter((m) => m.sequenceNumber >= from && (sessionId === undefined || m.sessionId === sessionId))
      .slice(0, count);
  }

  // ---- sessions ----

  private session(id: string): SessionRecord {
    let record = this.sessions.get(id);
    if (record === undefined) {
      record = { state: undefined, owner: undefined, lockedUntil: 0, timer: undefined };
      this.sessions.set(id, record);
    }
    return record;
  }

  private sessionHeld(record: SessionRecord): boolean {
    return record.owner !== undefined && record.lockedUntil >= Date.now();
  }

  /**
   * Locks session `id` for `owner`, or (id undefined) the first unlocked session with a deliverable message.
   * Returns the session id and lock expiry, an error when the session is held by another receiver, or
   * undefined when no session is available yet.
   */
  acceptSession(id: string | undefined, owner: LockOwner): { sessionId: string; lockedUntil: number } | BrokerError | undefined {
    let chosen = id;
    if (chosen === undefined) {
      chosen = this.messages.find((m) => {
        if (m.sessionId === undefined || m.lock !== undefined || m.deferred) return false;
        const record = this.sessions.get(m.sessionId);
        return record === undefined || !this.sessionHeld(record);
      })?.sessionId;
      if (chosen === undefined) return undefined;
    }
    const record = this.session(chosen);
    if (this.sessionHeld(record) && record.owner !== owner) {
      return {
        condition: 'com.microsoft:session-cannot-be-locked',
        description: `The requested session '${chosen}' cannot be accepted. It may be locked by another receiver.`,
      };
    }
    record.owner = owner;
    this.armSessionLock(chosen, record);
    return { sessionId: chosen, lockedUntil: record.lockedUntil };
  }

  private armSessionLock(id: string, record: SessionRecord): void {
    record.lockedUntil = Date.now() + this.settings.lockDurationMs;
    if (record.timer !== undefined) clearTimeout(record.timer);
    record.timer = setTimeout(() => this.onSessionLockExpired(id), this.settings.lockDurationMs);
    record.timer.unref();
  }

  /** Called when a session lock expires; the owner is told through `onSessionLost`. */
  onSessionLost: (sessionId: string, owner: LockOwner) => void = () => undefined;

  private onSessionLockExpired(id: string): void {
    const record = this.sessions.get(id);
    if (record?.owner === undefined) return;
    const owner = record.owner;
    this.releaseSession(id, owner);
    this.onSessionLost(id, owner);
  }

  /** Renews the session lock `owner` holds (any holder when owner is undefined, as over `$management`). */
  renewSessionLock(id: string, owner: LockOwner | undefined): number | BrokerError {
    const record = this.sessions.get(id);
    if (record === undefined || !this.sessionHeld(record) || (owner !== undefined && record.owner !== owner)) {
      return { condition: 'com.microsoft:session-lock-lost', description: `The session lock has expired on the session with id ${id}.` };
    }
    this.armSessionLock(id, record);
    for (const stored of this.messages) {
      if (stored.sessionId === id && stored.lock !== undefined) stored.lock.until = record.lockedUntil;
    }
    return record.lockedUntil;
  }

  /** Releases the session lock: its locked messages return to the queue (delivery counted), the session is free. */
  releaseSession(id: string, owner: LockOwner): void {
    const record = this.sessions.get(id);
    if (record?.owner !== owner) return;
    record.owner = undefined;
    record.lockedUntil = 0;
    if (record.timer !== undefined) clearTimeout(record.timer);
    record.timer = undefined;
    for (const stored of [...this.messages]) {
      if (stored.sessionId === id && stored.lock !== undefined) this.release(stored);
    }
    this.changed();
  }

  sessionLockedUntil(id: string): number | undefined {
    const record = this.sessions.get(id);
    return record !== undefined && this.sessionHeld(record) ? record.lockedUntil : undefined;
  }

  getSessionState(id: string): Buffer | undefined {
    return this.sessions.get(id)?.state;
  }

  setSessionState(id: string, state: Buffer | undefined): void {
    this.session(id).state = state;
  }

  /** Stops all timers (broker stop). */
  close(): void {
    this.closed = true;
    for (const stored of this.messages) if (stored.lock?.timer !== undefined) clearTimeout(stored.lock.timer);
    for (const record of this.sessions.values()) if (record.timer !== undefined) clearTimeout(record.timer);
    this.deadLetterQueue?.close();
  }
}

/** How tests see a stored message. */
export function viewOf(stored: StoredMessage): StoredMessageView {
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
