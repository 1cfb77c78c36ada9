/**
 * The entities of the test broker's namespace: queues, topics with subscriptions, their dead-letter queues,
 * duplicate detection, and the record of everything producers sent (for wire-level assertions).
 */
import { randomUUID } from 'node:crypto';
import type { Message } from 'rhea';
import { decodeBody, optionalString } from './codec';
import { requirePositiveDuration, requirePositiveInt } from '../../../src/core/validate';
import { MessageStore, type StoreSettings } from './message-store';
import type { QueueOptions, ReceivedMessage, SubscriptionOptions, TopicOptions } from './types';

const DEFAULT_DUPLICATE_WINDOW_MS = 10 * 60_000;
const DEFAULT_LOCK_DURATION_MS = 30_000;
const DEFAULT_MAX_DELIVERY_COUNT = 10;

/** Remembers message ids for the duplicate-detection window (Service Bus compares MessageId only). */
class DuplicateDetector {
  private readonly seen = new Map<string, number>();
  constructor(private readonly windowMs: number) {}

  /** True when `messageId` was seen within the window; otherwise remembers it. */
  isDuplicate(messageId: string | undefined): boolean {
    if (messageId === undefined) return false;
    const now = Date.now();
    const expiry = this.seen.get(messageId);
    if (expiry !== undefined && expiry > now) return true;
    this.seen.set(messageId, now + this.windowMs);
    return false;
  }
}

/** Something producers send to: a queue or a topic. */
export interface SendTarget {
  readonly name: string;
  readonly requiresSession: boolean;
  readonly duplicates: DuplicateDetector | undefined;
  readonly received: ReceivedMessage[];
  transfers: number;
  /** Stores the message; returns the sequence number, or undefined when nothing stored it (topic, no subs). */
  enqueue(amqp: Message): number | undefined;
}

interface Topic extends SendTarget {
  readonly subscriptions: Map<string, MessageStore>;
}

function key(name: string): string {
  return name.toLowerCase();
}

/** The entities and their recorded traffic. */
export class Namespace {
  private sequence = 0;
  private readonly queues = new Map<string, { target: SendTarget; store: MessageStore }>();
  private readonly topics = new Map<string, Topic>();
  /** Entities made to look missing by the `entityNotFound` fault. */
  readonly hidden = new Set<string>();

  private readonly nextSequenceNumber = (): number => ++this.sequence;

  createQueue(name: string, options: QueueOptions = {}): MessageStore {
    this.requireNewName(name);
    const store = new MessageStore(name, storeSettings(options), this.nextSequenceNumber);
    const target: SendTarget = {
      name,
      requiresSession: options.requiresSession === true,
      duplicates: duplicateDetector(options),
      received: [],
      transfers: 0,
      enqueue: (amqp) => store.enqueue(amqp),
    };
    this.queues.set(key(name), { target, store });
    return store;
  }

  createTopic(name: string, options: TopicOptions = {}): void {
    this.requireNewName(name);
    const subscriptions = new Map<string, MessageStore>();
    this.topics.set(key(name), {
      name,
      requiresSession: false,
      duplicates: duplicateDetector(options),
      received: [],
      transfers: 0,
      subscriptions,
      enqueue: (amqp) => {
        if (subscriptions.size === 0) return undefined;
        const sequenceNumber = this.nextSequenceNumber();
        for (const store of subscriptions.values()) store.enqueue(amqp, sequenceNumber);
        return sequenceNumber;
      },
    });
  }

  createSubscription(topic: string, name: string, options: SubscriptionOptions = {}): MessageStore {
    const owner = this.topics.get(key(topic));
    if (owner === undefined) throw new Error(`createSubscription: topic '${topic}' does not exist; create it first`);
    if (owner.subscriptions.has(key(name))) throw new Error(`createSubscription: '${topic}/Subscriptions/${name}' already exists`);
    const store = new MessageStore(`${owner.name}/Subscriptions/${name}`, storeSettings(options), this.nextSequenceNumber);
    owner.subscriptions.set(key(name), store);
    return store;
  }

  private requireNewName(name: string): void {
    if (typeof name !== 'string' || name.length === 0 || name.length > 260 || name.includes('$')) {
      throw new Error(`entity name must be 1-260 characters without '$', got '${String(name)}'`);
    }
    if (this.queues.has(key(name)) || this.topics.has(key(name))) throw new Error(`entity '${name}' already exists`);
  }

  /** The queue or topic `path` sends to, if it exists and is not hidden. */
  sendTarget(path: string): SendTarget | undefined {
    if (this.hidden.has(key(path))) return undefined;
    return this.queues.get(key(path))?.target ?? this.topics.get(key(path));
  }

  /**
   * The store `path` receives from: `<queue>`, `<topic>/Subscriptions/<name>`, either with `/$DeadLetterQueue`.
   */
  store(path: string): MessageStore | undefined {
    const dlqSuffix = '/$deadletterqueue';
    const lower = key(path);
    if (lower.endsWith(dlqSuffix)) return this.store(path.slice(0, -dlqSuffix.length))?.deadLetterQueue;
    if (this.hidden.has(lower)) return undefined;
    const queue = this.queues.get(lower);
    if (queue !== undefined) return queue.store;
    const match = /^(.+)\/subscriptions\/([^/]+)$/.exec(lower);
    if (match === null || this.hidden.has(match[1]!)) return undefined;
    return this.topics.get(match[1]!)?.subscriptions.get(match[2]!);
  }

  /** Whether `path` names an entity (or a sub-path of one, like `$management` or a dead-letter queue). */
  exists(path: string): boolean {
    const entity = path.replace(/\/\$management$/i, '');
    return this.sendTarget(entity) !== undefined || this.store(entity) !== undefined;
  }

  /** Every store (for timers at stop). */
  allStores(): MessageStore[] {
    return [...this.queues.values()].map((q) => q.store).concat([...this.topics.values()].flatMap((t) => [...t.subscriptions.values()]));
  }

  /**
   * Accepts the messages of one transfer to `target`: records them, drops duplicates, enqueues the rest.
   * Returns the sequence numbers (undefined for dropped duplicates).
   */
  accept(target: SendTarget, messages: readonly Message[]): void {
    const batchTransferId = ++target.transfers;
    for (const amqp of messages) {
      const messageId = optionalString(amqp.message_id);
      const duplicate = target.duplicates?.isDuplicate(messageId) ?? false;
      // Service Bus gives a message without a MessageId one of its own (the SDK's lock renewal needs it)
      const stored = messageId === undefined ? ({ ...amqp, message_id: randomUUID().replace(/-/g, '') } as Message) : amqp;
      const sequenceNumber = duplicate ? undefined : target.enqueue(stored);
      target.received.push(receivedRecord(amqp, batchTransferId, sequenceNumber, duplicate));
    }
  }

  /** What producers sent to the queue or topic `name`. */
  received(name: string): readonly ReceivedMessage[] {
    return this.requireTarget(name).received;
  }

  transfers(name: string): number {
    return this.requireTarget(name).transfers;
  }

  private requireTarget(name: string): SendTarget {
    const target = this.queues.get(key(name))?.target ?? this.topics.get(key(name));
    if (target === undefined) throw new Error(`no queue or topic named '${name}' (create it with createQueue/createTopic)`);
    return target;
  }

  requireStore(path: string): MessageStore {
    const store = this.store(path);
    if (store === undefined) throw new Error(`no queue, subscription or dead-letter queue at '${path}'`);
    return store;
  }
}

function storeSettings(options: QueueOptions | SubscriptionOptions): StoreSettings {
  const op = 'ServiceBusTestBroker.createQueue/createSubscription';
  return {
    requiresSession: options.requiresSession === true,
    maxDeliveryCount: requirePositiveInt(op, 'maxDeliveryCount', options.maxDeliveryCount ?? DEFAULT_MAX_DELIVERY_COUNT),
    lockDurationMs: requirePositiveDuration(op, 'lockDurationMs', options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS),
  };
}

function duplicateDetector(options: QueueOptions | TopicOptions): DuplicateDetector | undefined {
  if (options.requiresDuplicateDetection !== true) return undefined;
  const windowMs = options.duplicateDetectionWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  return new DuplicateDetector(requirePositiveDuration('ServiceBusTestBroker.createQueue/createTopic', 'duplicateDetectionWindowMs', windowMs));
}

function receivedRecord(amqp: Message, batchTransferId: number, sequenceNumber: number | undefined, duplicate: boolean): ReceivedMessage {
  const annotations = (amqp.message_annotations ?? {}) as Record<string, unknown>;
  const scheduled = annotations['x-opt-scheduled-enqueue-time'];
  const record = {
    body: undefined as unknown,
    messageId: optionalString(amqp.message_id),
    sessionId: optionalString(amqp.group_id),
    subject: optionalString(amqp.subject),
    contentType: optionalString(amqp.content_type),
    correlationId: optionalString(amqp.correlation_id),
    applicationProperties: { ...((amqp.application_properties ?? {}) as Record<string, unknown>) },
    partitionKey: optionalString(annotations['x-opt-partition-key']),
    scheduledEnqueueTime: scheduled instanceof Date ? scheduled : undefined,
    batchTransferId,
    enqueuedSequenceNumber: sequenceNumber,
    duplicate,
  };
  // decoded on first read: parsing every body as JSON would slow the sink benchmarks down
  let decoded: { value: unknown } | undefined;
  Object.defineProperty(record, 'body', {
    enumerable: true,
    get: () => (decoded ??= { value: decodeBody(amqp.body) }).value,
  });
  return record;
}
