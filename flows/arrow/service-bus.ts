/**
 * Arrow record batches as Azure Service Bus messages: one batch per message, its body one Arrow IPC stream
 * (`application/vnd.apache.arrow.stream`): for high-volume tables, thousands of rows per message instead of one.
 */
import type { RecordBatch } from 'apache-arrow';
import { FormatError } from './errors';
import { arrowIpcStreamFormat } from './formats/arrow-ipc';
import { bytesOf, decodeBatches } from './formats/format';
import { schemaFingerprint, tableOfSchema } from './schema-identity';

/** The content type of Arrow IPC stream message bodies. */
export const ARROW_STREAM_CONTENT_TYPE = 'application/vnd.apache.arrow.stream';

/** Message fields `toMessage` passes through (the `ServiceBusMessage` fields of the same names). */
export interface ArrowMessageOptions {
  readonly messageId?: string;
  readonly subject?: string;
  readonly correlationId?: string;
  readonly sessionId?: string;
  readonly partitionKey?: string;
  readonly timeToLive?: number;
  /** Merged over the properties `toMessage` sets (`rows`, `schemaFingerprint`, `table`). */
  readonly applicationProperties?: Readonly<Record<string, string | number | boolean>>;
  /** Fail with `FormatError` when the body would exceed this many bytes (e.g. 256 KiB on the Standard tier). */
  readonly maxBodyBytes?: number;
}

/** A `ServiceBusMessage` (from `@azure/service-bus`) carrying one record batch. */
export interface ArrowServiceBusMessage {
  /** One Arrow IPC stream: the schema, the batch, end of stream. */
  readonly body: Buffer;
  readonly contentType: typeof ARROW_STREAM_CONTENT_TYPE;
  readonly applicationProperties: Readonly<Record<string, string | number | boolean>>;
  readonly messageId?: string;
  readonly subject?: string;
  readonly correlationId?: string;
  readonly sessionId?: string;
  readonly partitionKey?: string;
  readonly timeToLive?: number;
}

/**
 * Packs a batch into a Service Bus message: the body is one Arrow IPC stream, `contentType` is
 * `application/vnd.apache.arrow.stream`, and `applicationProperties` carry `rows`, `schemaFingerprint` and
 * `table` (when known) for filters. Hand the result to the Service Bus sink or `sender.sendMessages`.
 * @example
 * batches.map((b) => toMessage(b, { messageId: `${streamId}:${firstLsn(b)}`, maxBodyBytes: 1024 * 1024 }))
 */
export function toMessage(batch: RecordBatch, options: ArrowMessageOptions = {}): ArrowServiceBusMessage {
  const bytes = bytesOf(arrowIpcStreamFormat.encode([batch]));
  if (options.maxBodyBytes !== undefined && bytes.byteLength > options.maxBodyBytes) {
    throw new FormatError(
      `toMessage: a batch of ${batch.numRows} rows is ${bytes.byteLength} bytes as an Arrow IPC stream, more than ` +
        `maxBodyBytes ${options.maxBodyBytes}; split it with toMessages or use smaller batches (maxRows/maxBytes)`,
      'arrow-ipc-stream',
    );
  }
  const table = tableOfSchema(batch.schema);
  const { maxBodyBytes: _max, applicationProperties, ...fields } = options;
  return {
    ...fields,
    body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    contentType: ARROW_STREAM_CONTENT_TYPE,
    applicationProperties: {
      rows: batch.numRows,
      schemaFingerprint: schemaFingerprint(batch.schema),
      ...(table !== undefined ? { table } : {}),
      ...applicationProperties,
    },
  };
}

/**
 * Like `toMessage`, but splits the batch (in halves, recursively) until every body fits `maxBodyBytes`; a
 * single row that does not fit fails with `FormatError`. `messageId`, if given, gets a `-<n>` suffix per part.
 * @example await sender.sendMessages(toMessages(batch, { maxBodyBytes: 256 * 1024 }));
 */
export function toMessages(batch: RecordBatch, options: ArrowMessageOptions & { readonly maxBodyBytes: number }): ArrowServiceBusMessage[] {
  const parts: RecordBatch[] = [];
  const split = (b: RecordBatch): void => {
    try {
      toMessage(b, options);
      parts.push(b);
    } catch (e) {
      if (!(e instanceof FormatError) || b.numRows <= 1) throw e;
      const half = Math.ceil(b.numRows / 2);
      split(b.slice(0, half));
      split(b.slice(half));
    }
  };
  split(batch);
  if (parts.length === 1) return [toMessage(batch, options)];
  return parts.map((p, i) => toMessage(p, { ...options, ...(options.messageId !== undefined ? { messageId: `${options.messageId}-${i}` } : {}) }));
}

/**
 * The record batches of a message body written by `toMessage` (a received `ServiceBusReceivedMessage.body`).
 * @example const [batch] = await fromMessage(message);
 */
export async function fromMessage(message: { readonly body: unknown; readonly contentType?: string }): Promise<RecordBatch[]> {
  if (message.contentType !== undefined && message.contentType !== ARROW_STREAM_CONTENT_TYPE) {
    throw new FormatError(`fromMessage: contentType must be ${ARROW_STREAM_CONTENT_TYPE}, got ${message.contentType}`, 'arrow-ipc-stream');
  }
  if (!(message.body instanceof Uint8Array)) {
    throw new FormatError(`fromMessage: the body must be bytes (a Buffer), got ${typeof message.body}`, 'arrow-ipc-stream');
  }
  return decodeBatches(arrowIpcStreamFormat, message.body);
}
