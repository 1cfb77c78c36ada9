/**
 * Wire encoding helpers of the Service Bus test broker: decoding what producers send (single and batch transfers),
 * decoding bodies the way the SDK does, lock tokens in .NET GUID byte order, and .NET ticks.
 */
import { randomBytes } from 'node:crypto';
import { message as amqpMessage, types, uuid_to_string, type Message } from 'rhea';
import type { InjectedMessage } from './types';

/** `message_format` of a Service Bus batch: the body's data sections each hold an encoded message. */
export const BATCH_MESSAGE_FORMAT = 0x80013700;

const DATA_SECTION = 0x75;

/** rhea's outcome constructors (untyped in its typings). */
const outcomes = amqpMessage as unknown as {
  accepted(): { described(): unknown };
  rejected(fields?: { error: { condition: string; description: string } }): { described(): unknown };
  released(): { described(): unknown };
  modified(fields?: { undeliverable_here?: boolean }): { described(): unknown };
};

/**
 * The state the broker settles a client's disposition with: the same outcome, without the client's fields (an
 * echoed `rejected` with the dead-letter error would make the SDK fail the settlement).
 */
export function echoedState(kind: 'accepted' | 'released' | 'rejected' | 'modified'): unknown {
  switch (kind) {
    case 'accepted':
      return outcomes.accepted().described();
    case 'released':
      return outcomes.released().described();
    case 'rejected':
      return outcomes.rejected().described();
    case 'modified':
      return outcomes.modified().described();
  }
}

/** The `accepted` delivery state. */
export function acceptedState(): unknown {
  return outcomes.accepted().described();
}

/** The `rejected` delivery state carrying an AMQP error. */
export function rejectedState(error: { readonly condition: string; readonly description: string }): unknown {
  return outcomes.rejected({ error: { condition: error.condition, description: error.description } }).described();
}

/** A decoded rhea body section (`data`, `amqp-sequence`). */
interface Section {
  readonly typecode: number;
  readonly content: unknown;
  readonly multiple?: boolean;
}

function isSection(body: unknown): body is Section {
  return typeof body === 'object' && body !== null && typeof (body as Section).typecode === 'number' && 'content' in body;
}

/**
 * The messages one transfer carries: the message itself for format 0, or each data section of a batch
 * (format 0x80013700) decoded as a message. Throws naming the format when it is neither.
 */
export function messagesOfTransfer(format: number, payload: Message | Buffer): Message[] {
  if (format === 0) return [payload as Message];
  if (format !== BATCH_MESSAGE_FORMAT) {
    throw new Error(`unsupported message_format 0x${format.toString(16)}: expected 0 or 0x80013700 (batch)`);
  }
  const envelope = amqpMessage.decode(payload as Buffer) as unknown as Message;
  const body: unknown = envelope.body;
  if (!isSection(body) || body.typecode !== DATA_SECTION) {
    throw new Error('batch transfer (format 0x80013700) without data sections in its body');
  }
  const sections = body.multiple === true ? (body.content as Buffer[]) : [body.content as Buffer];
  return sections.map((section) => amqpMessage.decode(section) as unknown as Message);
}

/** The size in bytes of a transfer's payload (a decoded single message is re-encoded to measure it). */
export function payloadSize(format: number, payload: Message | Buffer): number {
  return format === 0 ? amqpMessage.encode(payload as Message).length : (payload as Buffer).length;
}

function tryJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return bytes;
  }
}

/** Decodes a body as the SDK's default data transformer does: JSON data sections parsed, others as Buffer. */
export function decodeBody(body: unknown): unknown {
  if (isSection(body)) {
    if (body.typecode !== DATA_SECTION) return body.content;
    return Buffer.isBuffer(body.content) ? tryJson(body.content) : body.content;
  }
  return Buffer.isBuffer(body) ? tryJson(body) : body;
}

/** Encodes a test-injected message as the SDK's `toRheaMessage` would. */
export function encodeInjected(message: InjectedMessage): Message {
  const body = Buffer.isBuffer(message.body) || message.body instanceof Uint8Array
    ? amqpMessage.data_section(Buffer.from(message.body))
    : amqpMessage.data_section(Buffer.from(JSON.stringify(message.body ?? null), 'utf8'));
  const annotations: Record<string, unknown> = {};
  if (message.partitionKey !== undefined) annotations['x-opt-partition-key'] = message.partitionKey;
  return {
    body,
    durable: true,
    message_id: message.messageId,
    group_id: message.sessionId,
    subject: message.subject,
    content_type: message.contentType,
    correlation_id: message.correlationId,
    application_properties: message.applicationProperties === undefined ? undefined : { ...message.applicationProperties },
    message_annotations: annotations,
  } as Message;
}

/** Reads a string-or-undefined field of a decoded message. */
export function optionalString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Buffer.isBuffer(value) ? uuid_to_string(value) : String(value);
}

/** Reverses bytes 0-3, 4-5 and 6-7 (standard UUID order ↔ .NET GUID order; the map is its own inverse). */
export function swapGuidByteOrder(bytes: Buffer): Buffer {
  if (bytes.length !== 16) throw new Error(`a lock token is 16 bytes, got ${bytes.length}`);
  return Buffer.from([
    bytes[3]!, bytes[2]!, bytes[1]!, bytes[0]!, bytes[5]!, bytes[4]!, bytes[7]!, bytes[6]!,
    ...bytes.subarray(8),
  ]);
}

/** A new lock token: the string the SDK shows as `lockToken`, and the delivery tag carrying it (.NET order). */
export function newLockToken(): { readonly token: string; readonly deliveryTag: Buffer } {
  const standard = randomBytes(16);
  return { token: uuid_to_string(standard), deliveryTag: swapGuidByteOrder(standard) };
}

/** The lock token string of a UUID the SDK sends in a `$management` request (standard byte order). */
export function lockTokenOfUuid(value: unknown): string {
  if (Buffer.isBuffer(value)) return uuid_to_string(value);
  if (typeof value === 'string') return value.toLowerCase();
  throw new Error(`lock-tokens: expected uuid values, got ${typeof value}`);
}

const TICKS_AT_UNIX_EPOCH = 621_355_968_000_000_000n;

/** A time as .NET ticks (100 ns since 0001-01-01) in an AMQP long, as `com.microsoft:locked-until-utc` is sent. */
export function dotnetTicks(epochMs: number): unknown {
  const ticks = BigInt(Math.round(epochMs)) * 10_000n + TICKS_AT_UNIX_EPOCH;
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(ticks);
  return types.wrap_long(bytes);
}

/** An AMQP long (Service Bus sends sequence numbers as longs). */
export function amqpLong(value: number): unknown {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(BigInt(value));
  return types.wrap_long(bytes);
}

/** A number from a decoded AMQP long (rhea gives a number, or 8 big-endian bytes when it exceeds 2^53). */
export function numberOfLong(value: unknown): number {
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE());
  throw new Error(`expected an AMQP long, got ${typeof value}`);
}
