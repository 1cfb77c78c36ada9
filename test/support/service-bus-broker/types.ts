/** Public types of the Service Bus test broker (see `index.ts` and docs/testing-service-bus.md). */

/** How a queue or subscription behaves; defaults follow Service Bus. */
export interface QueueOptions {
  /** Only messages with a `sessionId` are accepted; receivers must accept a session (default false). */
  readonly requiresSession?: boolean;
  /** Drop (accept but do not enqueue) a message whose `messageId` was seen within the window (default false). */
  readonly requiresDuplicateDetection?: boolean;
  /** Duplicate-detection window in ms (default 10 minutes, as Service Bus). */
  readonly duplicateDetectionWindowMs?: number;
  /** Failed deliveries (abandon, lock expiry) after which a message is dead-lettered (default 10). */
  readonly maxDeliveryCount?: number;
  /** Peek-lock (and session lock) duration in ms (default 30 000). */
  readonly lockDurationMs?: number;
}

/** How a topic behaves. */
export interface TopicOptions {
  readonly requiresDuplicateDetection?: boolean;
  readonly duplicateDetectionWindowMs?: number;
}

/** How a subscription behaves (a subscription is a queue fed by its topic). */
export interface SubscriptionOptions {
  readonly requiresSession?: boolean;
  readonly maxDeliveryCount?: number;
  readonly lockDurationMs?: number;
}

/** Options of `ServiceBusTestBroker.start`. */
export interface BrokerOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** `max_message_size` announced on sender links and enforced per transfer (default 262 144, Standard tier). */
  readonly maxMessageSize?: number;
}

/** A message a test injects with `broker.send` (the fields of a `ServiceBusMessage` the broker understands). */
export interface InjectedMessage {
  /** JSON-encoded into a data section unless it is a Buffer/Uint8Array (as the SDK's default encoding). */
  readonly body: unknown;
  readonly messageId?: string;
  readonly sessionId?: string;
  readonly subject?: string;
  readonly contentType?: string;
  readonly correlationId?: string;
  readonly partitionKey?: string;
  readonly applicationProperties?: Readonly<Record<string, string | number | boolean | Date | null>>;
}

/** One message the broker accepted from a producer, as seen on the wire. */
export interface ReceivedMessage {
  /** Decoded as the SDK decodes it: JSON data sections parsed, other data sections as Buffer, values as-is. */
  readonly body: unknown;
  readonly messageId: string | undefined;
  readonly sessionId: string | undefined;
  readonly subject: string | undefined;
  readonly contentType: string | undefined;
  readonly correlationId: string | undefined;
  readonly applicationProperties: Readonly<Record<string, unknown>>;
  readonly partitionKey: string | undefined;
  readonly scheduledEnqueueTime: Date | undefined;
  /** Which transfer carried it: messages of one batch share the id; a single send has its own. */
  readonly batchTransferId: number;
  /** Sequence number it was enqueued under; undefined when dropped as a duplicate or injected to a topic. */
  readonly enqueuedSequenceNumber: number | undefined;
  /** True when duplicate detection dropped it (accepted on the wire, not enqueued). */
  readonly duplicate: boolean;
}

/** A message stored in a queue, subscription or dead-letter queue. */
export interface StoredMessageView {
  readonly sequenceNumber: number;
  readonly body: unknown;
  readonly messageId: string | undefined;
  readonly sessionId: string | undefined;
  readonly subject: string | undefined;
  readonly applicationProperties: Readonly<Record<string, unknown>>;
  /** Failed deliveries so far (the AMQP `delivery_count` header the next delivery carries). */
  readonly deliveryCount: number;
  /** Whether a receiver holds its lock now. */
  readonly locked: boolean;
  /** Set for dead-lettered messages. */
  readonly deadLetterReason: string | undefined;
  readonly deadLetterErrorDescription: string | undefined;
}

/** An AMQP error condition and description, as sent in a detach, rejected outcome or response. */
export interface BrokerError {
  readonly condition: string;
  readonly description: string;
}

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

/** One `$management` request. */
export interface ManagementRecord {
  readonly entity: string;
  /** E.g. `com.microsoft:renew-lock`. */
  readonly operation: string;
  readonly statusCode: number;
}

/** One put-token request. */
export interface PutTokenRecord {
  readonly audience: string;
  readonly tokenType: string;
  readonly statusCode: number;
}

/** Everything the broker records about traffic other than messages. */
export interface BrokerRecords {
  readonly attaches: AttachRecord[];
  readonly putTokens: PutTokenRecord[];
  readonly managementRequests: ManagementRecord[];
  /** Per entity path (lower case): the most credit one receiver link held at once. */
  readonly creditHighWater: Map<string, number>;
}
