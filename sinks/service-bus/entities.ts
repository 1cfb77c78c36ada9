/**
 * Entity management kept out of the hot path: `ensureServiceBusEntities` creates queues, topics and subscriptions
 * with duplicate detection (and sessions when asked) through `ServiceBusAdministrationClient` — once, at start or
 * from a deployment command; management operations cost 10 throttling credits each (sqlserver-cdc.md §6.1).
 */
import { ServiceBusAdministrationClient, type ServiceBusAdministrationClientOptions } from '@azure/service-bus';
import { namespaceOf, requireConnection, type ServiceBusConnection } from '../../azure/service-bus/connection';

/** A queue or topic to ensure. */
export interface ServiceBusEntitySpec {
  readonly name: string;
  /** Default `queue`. */
  readonly kind?: 'queue' | 'topic';
  /** Session-enabled (FIFO per session id); for a topic, applies to its subscriptions. Default false. */
  readonly requiresSession?: boolean;
  /**
   * Duplicate detection window in ms (20 s … 7 days; default 10 min); `false` turns duplicate detection off.
   * Make it at least the worst-case recovery time (lease expiry + restart + re-read): replays within it are dropped.
   */
  readonly duplicateDetectionWindowMs?: number | false;
  /** Subscriptions of a topic to ensure. */
  readonly subscriptions?: readonly string[];
  /** Deliveries before the service dead-letters a message (queues and subscriptions); default the service's (10). */
  readonly maxDeliveryCount?: number;
}

/** What `ensureServiceBusEntities` found and did. */
export interface EnsureEntitiesResult {
  /** Entities (and `topic/Subscriptions/name` paths) created now. */
  readonly created: readonly string[];
  /** Entities that existed already. */
  readonly existing: readonly string[];
  /**
   * Existing entities whose immutable settings differ from the spec (duplicate detection or sessions can only be
   * set at creation: delete and re-create the entity, or change the spec).
   */
  readonly mismatches: readonly string[];
}

const MIN_WINDOW_MS = 20_000;
const MAX_WINDOW_MS = 7 * 24 * 3_600_000;

function adminClient(connection: ServiceBusConnection, options: ServiceBusAdministrationClientOptions | undefined): ServiceBusAdministrationClient {
  return typeof connection === 'string'
    ? new ServiceBusAdministrationClient(connection, options)
    : new ServiceBusAdministrationClient(connection.fullyQualifiedNamespace, connection.credential as never, options);
}

function windowOf(spec: ServiceBusEntitySpec): number | undefined {
  const w = spec.duplicateDetectionWindowMs ?? 600_000;
  if (w === false) return undefined;
  if (typeof w !== 'number' || !Number.isFinite(w) || w < MIN_WINDOW_MS || w > MAX_WINDOW_MS) {
    throw new RangeError(`ensureServiceBusEntities: '${spec.name}'.duplicateDetectionWindowMs must be between ${MIN_WINDOW_MS} (20 s) and ${MAX_WINDOW_MS} (7 days), or false, got ${String(w)}`);
  }
  return w;
}

/**
 * Creates the queues, topics and subscriptions of `specs` that do not exist (with duplicate detection on by
 * default, sessions when asked) and reports those that exist with different immutable settings. Needs Manage
 * rights. Run it at start-up or from a deployment command, never per message.
 * @example
 * await ensureServiceBusEntities(connection, [
 *   { name: 'orders-changes', requiresSession: true, duplicateDetectionWindowMs: 30 * 60_000 },
 *   { name: 'audit', kind: 'topic', subscriptions: ['archive'] },
 * ]);
 */
export async function ensureServiceBusEntities(
  connection: ServiceBusConnection,
  specs: readonly ServiceBusEntitySpec[],
  /** Options of the `ServiceBusAdministrationClient` (retries, proxy…). */
  adminOptions?: ServiceBusAdministrationClientOptions,
): Promise<EnsureEntitiesResult> {
  requireConnection('ensureServiceBusEntities', connection);
  if (!Array.isArray(specs)) throw new TypeError(`ensureServiceBusEntities: specs must be an array of { name, kind?, requiresSession?, duplicateDetectionWindowMs? }`);
  const namespace = namespaceOf(connection);
  const admin = adminClient(connection, adminOptions);
  const created: string[] = [];
  const existing: string[] = [];
  const mismatches: string[] = [];
  for (const spec of specs) {
    const window = windowOf(spec);
    const duplicateDetection = window === undefined ? {} : { requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: `PT${Math.round(window / 1000)}S` };
    const session = spec.requiresSession ?? false;
    const deliveries = spec.maxDeliveryCount === undefined ? {} : { maxDeliveryCount: spec.maxDeliveryCount };
    const step = async <R>(what: string, op: () => Promise<R>): Promise<R> => {
      try {
        return await op();
      } catch (e) {
        throw new Error(
          `ensureServiceBusEntities: ${what} '${spec.name}' in ${namespace} failed: ${e instanceof Error ? e.message : String(e)}. ` +
            `The administration API (HTTPS) needs Manage rights; the Service Bus emulator serves it on port 5300 only in recent builds — ` +
            `create the entities in its Config.json otherwise`,
          { cause: e },
        );
      }
    };
    if ((spec.kind ?? 'queue') === 'queue') {
      if (await step('checking queue', () => admin.queueExists(spec.name))) {
        existing.push(spec.name);
        const props = await step('reading queue', () => admin.getQueue(spec.name));
        if (props.requiresDuplicateDetection !== (window !== undefined) || props.requiresSession !== session) mismatches.push(spec.name);
      } else {
        await step('creating queue', () => admin.createQueue(spec.name, { ...duplicateDetection, requiresSession: session, ...deliveries }));
        created.push(spec.name);
      }
      continue;
    }
    if (await step('checking topic', () => admin.topicExists(spec.name))) {
      existing.push(spec.name);
      const props = await step('reading topic', () => admin.getTopic(spec.name));
      if (props.requiresDuplicateDetection !== (window !== undefined)) mismatches.push(spec.name);
    } else {
      await step('creating topic', () => admin.createTopic(spec.name, duplicateDetection));
      created.push(spec.name);
    }
    for (const subscription of spec.subscriptions ?? []) {
      const path = `${spec.name}/Subscriptions/${subscription}`;
      if (await step('checking subscription of', () => admin.subscriptionExists(spec.name, subscription))) {
        existing.push(path);
        const props = await step('reading subscription of', () => admin.getSubscription(spec.name, subscription));
        if (props.requiresSession !== session) mismatches.push(path);
      } else {
        await step('creating subscription of', () => admin.createSubscription(spec.name, subscription, { requiresSession: session, ...deliveries }));
        created.push(path);
      }
    }
  }
  return { created, existing, mismatches };
}
