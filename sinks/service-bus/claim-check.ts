/**
 * Claim check for oversize messages: the body goes to a blob, the message carries a small reference (same id,
 * session, subject and application properties) that a consumer resolves with `resolveClaimCheck`.
 */
import { randomUUID } from 'node:crypto';
import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import { ContainerClient } from '@azure/storage-blob';
import { blobContainer } from '../../azure/connection';
import type { ClaimCheckOptions } from './options';

/** The application property that marks a claim-check message; its value is `<container>/<blob>`. */
export const CLAIM_CHECK_PROPERTY = 'tributary-claim-check';

/** The body of a claim-check message. */
export interface ClaimCheckReference {
  readonly claimCheck: {
    readonly container: string;
    readonly blob: string;
    readonly url: string;
    readonly bytes: number;
    readonly contentType: string | undefined;
    /** `json`: the blob holds the body as JSON; `bytes`: the body was binary and the blob holds it as is. */
    readonly encoding: 'json' | 'bytes';
  };
}

/** The bytes of a message body as the SDK would send them (Buffers as is, anything else as JSON). */
export function bodyBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.from(JSON.stringify(body) ?? 'null', 'utf8');
}

/** Uploads message bodies to one container and builds the reference messages. */
export class ClaimChecker {
  private readonly container: ContainerClient;
  private readonly blobName: (message: ServiceBusMessage, entity: string) => string;

  constructor(options: ClaimCheckOptions) {
    this.container = options.container instanceof ContainerClient ? options.container : blobContainer(options.container);
    this.blobName = options.blobName ?? ((m, entity) => `${entity}/${m.messageId === undefined ? randomUUID() : String(m.messageId)}`);
  }

  /** Uploads the body of `message` and returns the message to send in its place. */
  async check(message: ServiceBusMessage, entity: string): Promise<ServiceBusMessage> {
    const blob = this.blobName(message, entity);
    if (typeof blob !== 'string' || blob === '') {
      throw new TypeError(`ServiceBusSink: oversize.claimCheck.blobName must return a non-empty string, got ${JSON.stringify(blob) ?? String(blob)}`);
    }
    const bytes = bodyBytes(message.body);
    const client = this.container.getBlockBlobClient(blob);
    await client.uploadData(bytes, { blobHTTPHeaders: message.contentType ? { blobContentType: message.contentType } : {} });
    const reference: ClaimCheckReference = {
      claimCheck: { container: this.container.containerName, blob, url: client.url, bytes: bytes.length, contentType: message.contentType, encoding: message.body instanceof Uint8Array ? 'bytes' : 'json' },
    };
    return {
      ...message,
      body: reference,
      contentType: 'application/json',
      applicationProperties: { ...message.applicationProperties, [CLAIM_CHECK_PROPERTY]: `${this.container.containerName}/${blob}` },
    };
  }
}

/**
 * The body of a received message, downloaded from blob storage when the sink sent it as a claim check
 * (`oversize: { claimCheck }`); other messages' bodies are returned as they are. JSON bodies are parsed.
 * @example
 * source.mapAsync(4, async (m) => ({ ...m, body: await resolveClaimCheck(m, containerClient) }))
 */
export async function resolveClaimCheck(message: Pick<ServiceBusReceivedMessage, 'body' | 'applicationProperties'>, container: ContainerClient): Promise<unknown> {
  const marker = message.applicationProperties?.[CLAIM_CHECK_PROPERTY];
  if (typeof marker !== 'string') return message.body;
  const reference = (message.body as Partial<ClaimCheckReference> | undefined)?.claimCheck;
  if (!reference || typeof reference.blob !== 'string') {
    throw new TypeError(`resolveClaimCheck: message marked ${CLAIM_CHECK_PROPERTY}=${marker} has no claimCheck reference in its body`);
  }
  const bytes = await container.getBlockBlobClient(reference.blob).downloadToBuffer();
  return reference.encoding === 'bytes' ? bytes : JSON.parse(bytes.toString('utf8'));
}
