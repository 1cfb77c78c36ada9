/**
 * The options of `ServiceBusSource.create`, their defaults and validation (errors name the field and the value;
 * connection strings are never printed).
 */
import type { ServiceBusClientOptions } from '@azure/service-bus';
import { requireConnection, type ServiceBusConnection } from '../../azure/service-bus/connection';
import { validateBackoff } from '../../src/retry/backoff';
import { requireFunction, requirePositiveDuration, requirePositiveInt } from '../../src/core/validate';

/** Session receiving: one session at a time, its messages in order. */
export interface ServiceBusSessionOptions {
  /** Receive only this session; default: the next available session, then the next one once it is idle. */
  readonly sessionId?: string;
  /**
   * Release the current session (once all its messages are settled) after this long without a message and move
   * on to the next available one; default 5000 ms. Ignored with `sessionId`.
   */
  readonly idleTimeoutMs?: number;
}

/** Counters the source reports to, e.g. the host's `HostMetrics`. */
export interface ServiceBusSourceMetrics {
  increment(name: string, value?: number, tags?: Readonly<Record<string, string>>): void;
}

interface CommonSourceOptions {
  /** The namespace: a connection string, or `{ fullyQualifiedNamespace, credential }`. */
  readonly connection: ServiceBusConnection;
  /** Receive from a session-enabled entity, one session at a time (`true` = the next available session). */
  readonly sessions?: boolean | ServiceBusSessionOptions;
  /**
   * Credit granted per receive call, which is also the source's buffer: messages are requested only when that
   * buffer is empty and downstream asks for one, and the unused credit is drained back; default 32.
   */
  readonly maxMessages?: number;
  /**
   * Messages emitted and not yet settled (completed by the committer, abandoned or dead-lettered) that the source
   * allows before it stops receiving; their locks are renewed. Default 1000. Keep the committer's `maxBatch` below it.
   */
  readonly maxUnsettled?: number;
  /** How long one receive call waits for the first message (a long poll), in ms; default 1000. */
  readonly maxWaitTimeMs?: number;
  /**
   * Lock renewal of unsettled messages (and of the session): every `intervalMs` (default 5000), locks that expire
   * within `marginMs` (default 15 000) are renewed. `false` turns it off (locks then expire after the entity's
   * lock duration and the messages are redelivered).
   */
  readonly lockRenewal?: false | { readonly intervalMs?: number; readonly marginMs?: number };
  /**
   * After the source stopped (downstream cancelled it normally, e.g. `drainAndShutdown`, or it completed), how
   * long it keeps the receiver open for the committer to settle what is still in flight; the rest is abandoned
   * (redelivered). Default 30 000 ms.
   */
  readonly settleTimeoutMs?: number;
  /** Complete the stream after this long without a message (for backfills and tests); default never. */
  readonly completeAfterIdleMs?: number;
  /** Read the dead-letter sub-queue instead. */
  readonly subQueue?: 'deadLetter' | 'transferDeadLetter';
  /** Outer retry for throttled or unreachable service (receive and session accept). */
  readonly retry?: { readonly minBackoffMs?: number; readonly maxBackoffMs?: number; readonly randomFactor?: number; readonly maxRetries?: number };
  /** Options of the `ServiceBusClient` (its `retryOptions` are merged over Tributary's exponential ~1 s defaults). */
  readonly clientOptions?: ServiceBusClientOptions;
  /** Counter `rows.incoming` (tag `entity`). */
  readonly metrics?: ServiceBusSourceMetrics;
}

/** Options of `ServiceBusSource.create`: a queue, or a topic subscription. */
export type ServiceBusSourceOptions = CommonSourceOptions &
  ({ readonly queue: string; readonly topic?: undefined; readonly subscription?: undefined } | { readonly queue?: undefined; readonly topic: string; readonly subscription: string });

/** The options with defaults filled in. */
export interface ResolvedSourceOptions {
  readonly connection: ServiceBusConnection;
  /** `[queue]` or `[topic, subscription]`. */
  readonly entity: readonly [string] | readonly [string, string];
  /** `queue` or `topic/Subscriptions/subscription`, for messages. */
  readonly entityPath: string;
  readonly sessions: { readonly sessionId: string | undefined; readonly idleTimeoutMs: number } | undefined;
  readonly maxMessages: number;
  readonly maxUnsettled: number;
  readonly maxWaitTimeMs: number;
  readonly lockRenewal: { readonly intervalMs: number; readonly marginMs: number } | undefined;
  readonly settleTimeoutMs: number;
  readonly completeAfterIdleMs: number | undefined;
  readonly subQueue: 'deadLetter' | 'transferDeadLetter' | undefined;
  readonly retry: { readonly minBackoffMs: number; readonly maxBackoffMs: number; readonly randomFactor: number; readonly maxRetries: number };
  readonly clientOptions: ServiceBusClientOptions;
  readonly metrics: ServiceBusSourceMetrics | undefined;
}

const OP = 'ServiceBusSource';

function requireName(field: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 260 || /\s/.test(name)) {
    throw new TypeError(`${OP}: ${field} must be an entity name (1-260 characters, no spaces), got ${JSON.stringify(name) ?? String(name)}`);
  }
  return name;
}

/** Validates `options` and fills in the defaults. */
export function resolveSourceOptions(options: ServiceBusSourceOptions): ResolvedSourceOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${OP}: options must be an object with connection and queue (or topic and subscription), got ${options === null ? 'null' : typeof options}`);
  }
  const connection = requireConnection(OP, options.connection);
  let entity: readonly [string] | readonly [string, string];
  const { queue, topic, subscription } = options as { queue?: unknown; topic?: unknown; subscription?: unknown };
  if (queue !== undefined) {
    if (topic !== undefined || subscription !== undefined) throw new TypeError(`${OP}: give either queue or topic and subscription, not both`);
    entity = [requireName('queue', queue)];
  } else if (topic !== undefined || subscription !== undefined) {
    entity = [requireName('topic', topic), requireName('subscription', subscription)];
  } else {
    throw new TypeError(`${OP}: give queue, or topic and subscription`);
  }
  const entityPath = entity.length === 1 ? entity[0] : `${entity[0]}/Subscriptions/${entity[1]}`;
  let sessions: ResolvedSourceOptions['sessions'];
  if (options.sessions === true) sessions = { sessionId: undefined, idleTimeoutMs: 5000 };
  else if (typeof options.sessions === 'object' && options.sessions !== null) {
    const { sessionId, idleTimeoutMs = 5000 } = options.sessions;
    if (sessionId !== undefined && (typeof sessionId !== 'string' || sessionId.length === 0 || sessionId.length > 128)) {
      throw new TypeError(`${OP}: sessions.sessionId must be a string of 1-128 characters, got ${JSON.stringify(sessionId) ?? String(sessionId)}`);
    }
    sessions = { sessionId, idleTimeoutMs: requirePositiveDuration(OP, 'sessions.idleTimeoutMs', idleTimeoutMs) };
  } else if (options.sessions !== undefined && options.sessions !== false) {
    throw new TypeError(`${OP}: sessions must be true, false or { sessionId?, idleTimeoutMs? }, got ${JSON.stringify(options.sessions)}`);
  }
  const maxMessages = requirePositiveInt(OP, 'maxMessages', options.maxMessages ?? 32);
  const maxUnsettled = requirePositiveInt(OP, 'maxUnsettled', options.maxUnsettled ?? 1000);
  if (maxUnsettled < maxMessages) throw new RangeError(`${OP}: maxUnsettled (${maxUnsettled}) must be >= maxMessages (${maxMessages})`);
  const maxWaitTimeMs = requirePositiveDuration(OP, 'maxWaitTimeMs', options.maxWaitTimeMs ?? 1000);
  let lockRenewal: ResolvedSourceOptions['lockRenewal'];
  if (options.lockRenewal !== false) {
    const { intervalMs = 5000, marginMs = 15_000 } = options.lockRenewal ?? {};
    lockRenewal = {
      intervalMs: requirePositiveDuration(OP, 'lockRenewal.intervalMs', intervalMs),
      marginMs: requirePositiveDuration(OP, 'lockRenewal.marginMs', marginMs),
    };
  }
  const settleTimeoutMs = requirePositiveDuration(OP, 'settleTimeoutMs', options.settleTimeoutMs ?? 30_000);
  const completeAfterIdleMs = options.completeAfterIdleMs === undefined ? undefined : requirePositiveDuration(OP, 'completeAfterIdleMs', options.completeAfterIdleMs);
  const subQueue = options.subQueue;
  if (subQueue !== undefined && subQueue !== 'deadLetter' && subQueue !== 'transferDeadLetter') {
    throw new TypeError(`${OP}: subQueue must be 'deadLetter' or 'transferDeadLetter', got ${JSON.stringify(subQueue)}`);
  }
  const r = options.retry ?? {};
  const minBackoffMs = r.minBackoffMs ?? 500;
  const maxBackoffMs = r.maxBackoffMs ?? Math.max(30_000, minBackoffMs);
  const randomFactor = r.randomFactor ?? 0.2;
  validateBackoff(OP, 'retry.', minBackoffMs, maxBackoffMs, randomFactor);
  const maxRetries = r.maxRetries ?? Number.POSITIVE_INFINITY;
  if (maxRetries !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxRetries) || maxRetries < 0)) {
    throw new RangeError(`${OP}: retry.maxRetries must be a non-negative integer (or omitted for unlimited), got ${String(maxRetries)}`);
  }
  if (options.metrics !== undefined) requireFunction(OP, 'metrics.increment', options.metrics?.increment);
  return {
    connection,
    entity,
    entityPath,
    sessions,
    maxMessages,
    maxUnsettled,
    maxWaitTimeMs,
    lockRenewal,
    settleTimeoutMs,
    completeAfterIdleMs,
    subQueue,
    retry: { minBackoffMs, maxBackoffMs, randomFactor, maxRetries },
    clientOptions: options.clientOptions ?? {},
    metrics: options.metrics,
  };
}
