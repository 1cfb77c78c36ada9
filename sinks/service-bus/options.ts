/**
 * The options of `ServiceBusSink.create`, their defaults and their validation (errors name the field, the value
 * and what was expected; connection strings are never printed).
 */
import type { ServiceBusClientOptions, ServiceBusMessage } from '@azure/service-bus';
import type { ContainerClient } from '@azure/storage-blob';
import type { Sink } from 'tributary';
import type { BlobContainerConfig } from '../../azure/connection';
import { requireConnection, type ServiceBusConnection } from '../../azure/service-bus/connection';
import { validateBackoff } from '../../src/retry/backoff';
import { requireDuration, requireFunction, requirePositiveInt } from '../../src/core/validate';

/** A message that does not fit an empty batch of its entity, as handed to a divert sink. */
export interface OversizeMessage<T> {
  /** The stream element. */
  readonly element: T;
  /** The message `toMessage` made of it. */
  readonly message: ServiceBusMessage;
  /** The queue or topic it was meant for. */
  readonly entity: string;
  /** The largest batch (hence message) the entity's link accepts, in bytes. */
  readonly maxSizeInBytes: number;
}

/** Claim check: oversize bodies go to blob storage and the message carries a reference instead. */
export interface ClaimCheckOptions {
  /** The container the bodies are uploaded to (it must exist): a `ContainerClient` or a `blobContainer` config. */
  readonly container: ContainerClient | BlobContainerConfig;
  /**
   * The blob name of a body; default `<entity>/<messageId>` (a random id when the message has none). A
   * deterministic name makes a replay overwrite the same blob instead of leaving copies.
   */
  readonly blobName?: (message: ServiceBusMessage, entity: string) => string;
}

/**
 * What to do with a message too large for an empty batch (sqlserver-cdc.md §6.3): `'fail'` (default: the stream
 * fails naming the entity and message id), `{ divert: sink }` (the element goes to your sink — a dead-letter file
 * or blob: an explicit data-loss decision), or `{ claimCheck }` (the body is uploaded to blob storage and a
 * reference is sent). Never retried.
 */
export type OversizePolicy<T> = 'fail' | { readonly divert: Sink<OversizeMessage<T>, unknown> } | { readonly claimCheck: ClaimCheckOptions };

/** The outer retry loop for throttling and unreachable service (on top of the SDK's own retries). */
export interface ServiceBusRetryOptions {
  /** First delay, in ms; default 500. Delay n = min(maxBackoffMs, minBackoffMs · 2ⁿ) plus jitter. */
  readonly minBackoffMs?: number;
  /** Largest delay, in ms; default 30 000. */
  readonly maxBackoffMs?: number;
  /** Up to this fraction of the delay is added at random; default 0.2. */
  readonly randomFactor?: number;
  /**
   * Retries per batch before the stream fails with a transient `ServiceBusOperationError` (the host then exits 2,
   * "restart me"); default unlimited: the sink backpressures the source for as long as the service sheds load.
   */
  readonly maxRetries?: number;
  /** Which failures are retried; default `isRetryableServiceBusError` (throttling, timeouts, refused connections). */
  readonly retryOn?: (error: unknown) => boolean;
}

/** Counters the sink reports to, e.g. the host's `HostMetrics` (`services.get('metrics')`). */
export interface ServiceBusSinkMetrics {
  increment(name: string, value?: number, tags?: Readonly<Record<string, string>>): void;
}

/** Options of `ServiceBusSink.create`. */
export interface ServiceBusSinkOptions<T> {
  /** The namespace: a connection string, or `{ fullyQualifiedNamespace, credential }`. */
  readonly connection: ServiceBusConnection;
  /** The queue or topic, or a function routing each element to one (per-entity batches, order per entity kept). */
  readonly entity: string | ((element: T) => string);
  /**
   * Builds the message of an element. Default: `{ body: element, contentType: 'application/json' }` plus
   * `messageId: String(element.id)` when the element has a string or number `id` — set a deterministic
   * `messageId` so the entity's duplicate detection drops replays.
   */
  readonly toMessage?: (element: T) => ServiceBusMessage;
  /** A batch is sent at the latest this long after its first message was added (ms, on the stream's scheduler); default 50. */
  readonly maxBatchDelayMs?: number;
  /**
   * Batches of one entity sent at once; default 1 (sends in order, one `await` per batch). More raises
   * throughput, but a retried batch may then land after a later one; batches sharing a session id still wait.
   */
  readonly maxInFlightBatches?: number;
  /** Also close a batch once it holds this many messages; default: only size and time close a batch. */
  readonly maxBatchMessages?: number;
  /** Batches no larger than this many bytes; default the link's maximum (read from the service, never assumed). */
  readonly maxBatchBytes?: number;
  /**
   * Elements held between arrival and acknowledgement (open batches, sends in flight, acknowledgements downstream
   * has not taken); default 5000. When full the sink sends what it has and stops pulling.
   */
  readonly maxBufferedMessages?: number;
  /** Oversize policy; default `'fail'`. */
  readonly oversize?: OversizePolicy<T>;
  /** Outer retry loop for throttling and connection failures. */
  readonly retry?: ServiceBusRetryOptions;
  /** Options of the `ServiceBusClient` (its `retryOptions` are merged over Tributary's exponential ~1 s defaults). */
  readonly clientOptions?: ServiceBusClientOptions;
  /** Counters `rows.outgoing` and `batches` (tag `entity`) and `errors` (tag `error_kind`) per retried failure. */
  readonly metrics?: ServiceBusSinkMetrics;
}

/** The options with defaults filled in. */
export interface ResolvedSinkOptions<T> {
  readonly connection: ServiceBusConnection;
  readonly route: (element: T) => string;
  readonly toMessage: (element: T) => ServiceBusMessage;
  readonly maxBatchDelayMs: number;
  readonly maxInFlightBatches: number;
  readonly maxBatchMessages: number;
  readonly maxBatchBytes: number | undefined;
  readonly maxBufferedMessages: number;
  readonly oversize: OversizePolicy<T>;
  readonly retry: Required<Omit<ServiceBusRetryOptions, 'retryOn'>> & { readonly retryOn: ((error: unknown) => boolean) | undefined };
  readonly clientOptions: ServiceBusClientOptions;
  readonly metrics: ServiceBusSinkMetrics | undefined;
}

/**
 * The default `toMessage`: the element as a JSON body, its `id` (string or number) as the message id.
 * @example defaultToMessage({ id: 7, op: 'c' }) // { body: { id: 7, op: 'c' }, contentType: 'application/json', messageId: '7' }
 */
export function defaultToMessage(element: unknown): ServiceBusMessage {
  if (element instanceof Uint8Array) return { body: element };
  const id = typeof element === 'object' && element !== null ? (element as { id?: unknown }).id : undefined;
  const messageId = typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint' ? String(id) : undefined;
  return messageId === undefined ? { body: element, contentType: 'application/json' } : { body: element, contentType: 'application/json', messageId };
}

const OP = 'ServiceBusSink';

/** Checks an entity name (queue or topic path): non-empty, at most 260 characters. */
export function requireEntityName(field: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 260 || /\s/.test(name)) {
    throw new TypeError(`${OP}: ${field} must be a queue or topic name (1-260 characters, no spaces), got ${JSON.stringify(name) ?? String(name)}`);
  }
  return name;
}

function resolveOversize<T>(policy: unknown): OversizePolicy<T> {
  if (policy === undefined || policy === 'fail') return 'fail';
  if (typeof policy === 'object' && policy !== null) {
    if ('divert' in policy) {
      const sink = (policy as { divert: unknown }).divert;
      if (typeof sink !== 'object' || sink === null || !('blueprint' in sink)) {
        throw new TypeError(`${OP}: oversize.divert must be a Sink (e.g. a file sink for dead letters), got ${sink === null ? 'null' : typeof sink}`);
      }
      return policy as OversizePolicy<T>;
    }
    if ('claimCheck' in policy) {
      const cc = (policy as { claimCheck: unknown }).claimCheck as Partial<ClaimCheckOptions> | null;
      if (typeof cc !== 'object' || cc === null || typeof cc.container !== 'object' || cc.container === null) {
        throw new TypeError(`${OP}: oversize.claimCheck.container must be a ContainerClient or a blobContainer config ({ container, connectionString | accountUrl })`);
      }
      if (cc.blobName !== undefined) requireFunction(OP, 'oversize.claimCheck.blobName', cc.blobName);
      return policy as OversizePolicy<T>;
    }
  }
  throw new TypeError(`${OP}: oversize must be 'fail', { divert: sink } or { claimCheck: { container } }, got ${JSON.stringify(policy) ?? String(policy)}`);
}

/** Validates `options` and fills in the defaults. */
export function resolveSinkOptions<T>(options: ServiceBusSinkOptions<T>): ResolvedSinkOptions<T> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${OP}: options must be an object with connection and entity, got ${options === null ? 'null' : typeof options}`);
  }
  const connection = requireConnection(OP, options.connection);
  const entity = options.entity;
  let route: (element: T) => string;
  if (typeof entity === 'function') route = entity;
  else {
    const fixed = requireEntityName('entity', entity);
    route = () => fixed;
  }
  const toMessage = options.toMessage ?? (defaultToMessage as (element: T) => ServiceBusMessage);
  requireFunction(OP, 'toMessage', toMessage);
  const maxBatchDelayMs = requireDuration(OP, 'maxBatchDelayMs', options.maxBatchDelayMs ?? 50);
  const maxInFlightBatches = requirePositiveInt(OP, 'maxInFlightBatches', options.maxInFlightBatches ?? 1);
  const maxBatchMessages = options.maxBatchMessages === undefined ? Number.POSITIVE_INFINITY : requirePositiveInt(OP, 'maxBatchMessages', options.maxBatchMessages);
  const maxBatchBytes = options.maxBatchBytes === undefined ? undefined : requirePositiveInt(OP, 'maxBatchBytes', options.maxBatchBytes);
  const maxBufferedMessages = requirePositiveInt(OP, 'maxBufferedMessages', options.maxBufferedMessages ?? 5000);
  const retry = options.retry ?? {};
  const minBackoffMs = retry.minBackoffMs ?? 500;
  const maxBackoffMs = retry.maxBackoffMs ?? Math.max(30_000, minBackoffMs);
  const randomFactor = retry.randomFactor ?? 0.2;
  validateBackoff(OP, 'retry.', minBackoffMs, maxBackoffMs, randomFactor);
  const maxRetries = retry.maxRetries ?? Number.POSITIVE_INFINITY;
  if (maxRetries !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxRetries) || maxRetries < 0)) {
    throw new RangeError(`${OP}: retry.maxRetries must be a non-negative integer (or omitted for unlimited), got ${String(maxRetries)}`);
  }
  if (retry.retryOn !== undefined) requireFunction(OP, 'retry.retryOn', retry.retryOn);
  if (options.metrics !== undefined) requireFunction(OP, 'metrics.increment', options.metrics?.increment);
  return {
    connection,
    route,
    toMessage,
    maxBatchDelayMs,
    maxInFlightBatches,
    maxBatchMessages,
    maxBatchBytes,
    maxBufferedMessages,
    oversize: resolveOversize<T>(options.oversize),
    retry: { minBackoffMs, maxBackoffMs, randomFactor, maxRetries, retryOn: retry.retryOn },
    clientOptions: options.clientOptions ?? {},
    metrics: options.metrics,
  };
}
