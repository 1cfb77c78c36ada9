import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { Flow, FlowWithContext, Source, SourceWithContext, Supervision, type Committable, type Decider } from 'tributary';
import { requireFunction, requirePositiveInt } from '../../src/core/validate';
import { resolveSourceOptions, type ServiceBusSourceOptions } from './options';
import { serviceBusCommittable, ServiceBusSettlement } from './settlement';
import { ServiceBusSourceStage, type ServiceBusSourceControl } from './source-logic';

/** Options of `ServiceBusSource.mapOrDeadLetter`. */
export interface MapOrDeadLetterOptions {
  /**
   * Decides what a throwing `f` means: `stop` fails the stream (the source then abandons what is unsettled, so
   * the messages come back); `resume` or `restart` dead-letters the message with `reason` and the error's text
   * and drops it. Default `Supervision.resumingDecider`.
   */
  readonly decider?: Decider;
  /** The dead-letter reason; default `'rejected'`. */
  readonly reason?: string;
  /** Elements processed at once (order is kept); default 1. */
  readonly parallelism?: number;
}

/**
 * Receives from an Azure Service Bus queue or topic subscription in peek-lock mode, as a `SourceWithContext` of
 * `[message, settlement]`: the context settles the message, and `ServiceBusSource.committable` completes it once
 * the committer at the end of the stream acknowledges it.
 *
 * - **Credit = demand.** Credit is granted with `receiveMessages(n)` only when downstream asks for an element and
 *   the source's buffer (`maxMessages`) is empty; the receive drains its unused credit, so nothing is prefetched
 *   beyond that buffer. At most `maxUnsettled` messages are locked on the stream's behalf (buffered or in flight
 *   downstream); the source stops receiving until the committer settles some.
 * - **Locks** of every unsettled message (and of the session) are renewed while it is in flight (`lockRenewal`).
 * - **Settlement.** `complete` after the committer acknowledges; `abandon` when the stream fails (redelivery, the
 *   delivery count rises; after the entity's max delivery count the service dead-letters); `deadLetter` with a
 *   reason for elements your decider rejects (`ServiceBusSource.mapOrDeadLetter`) or by calling it yourself.
 * - **Stop.** When cancelled normally (`DrainingControl.drainAndShutdown()`), messages not yet emitted are
 *   abandoned, and the receiver stays open (renewing locks) until the committer has settled the rest, at most
 *   `settleTimeoutMs`; the materialized control's `closed` resolves after the close.
 * - **Sessions** (`sessions: true | { sessionId }`): one session at a time, its messages in order; an idle session
 *   is released once its messages are settled and the next one accepted.
 *
 * Emits when downstream pulls and a message is buffered or arrives · Completes only with `completeAfterIdleMs` (a
 * Service Bus entity is unbounded) · Fails on a fatal error (`MessagingEntityNotFound`, `UnauthorizedAccess`, …,
 * as `ServiceBusOperationError`) or when retries (throttling, refused connection) run out.
 *
 * @example
 * const [source, done] = ServiceBusSource.create({ connection, queue: 'orders-changes', maxMessages: 64 })
 *   .via(ServiceBusSource.mapOrDeadLetter((m) => parseChange(m.body)))
 *   .mapAsync(8, (change) => applyToReplica(change))
 *   .toMat(Committer.sinkWithContext(ServiceBusSource.committable, { maxBatch: 100, maxIntervalMs: 200 }), Keep.both)
 *   .run();
 */
export const ServiceBusSource = {
  /**
   * The source; its materialized value is a `ServiceBusSourceControl` (`closed`, `stats()`).
   * @example ServiceBusSource.create({ connection, topic: 'orders', subscription: 'replica', sessions: true })
   */
  create(options: ServiceBusSourceOptions): SourceWithContext<ServiceBusReceivedMessage, ServiceBusSettlement, ServiceBusSourceControl> {
    const stage = new ServiceBusSourceStage(resolveSourceOptions(options));
    return SourceWithContext.fromTuples(Source.fromGraph(stage));
  },

  /**
   * Completes the messages whose settlements the committer commits (each delivery is its own partition).
   * @example stream.toMat(Committer.sinkWithContext(ServiceBusSource.committable, { maxBatch: 100, maxIntervalMs: 200 }), Keep.right)
   */
  committable: serviceBusCommittable as Committable<ServiceBusSettlement>,

  /**
   * A step that maps each message with `f` and dead-letters (with a reason) the messages for which `f` throws and
   * the decider says `resume`/`restart`; `stop` fails the stream instead.
   * @example ServiceBusSource.create({ connection, queue }).via(ServiceBusSource.mapOrDeadLetter((m) => Order.parse(m.body), { reason: 'invalid-order' }))
   */
  mapOrDeadLetter<Out>(
    f: (message: ServiceBusReceivedMessage) => Out | Promise<Out>,
    options: MapOrDeadLetterOptions = {},
  ): FlowWithContext<ServiceBusReceivedMessage, ServiceBusSettlement, Out, ServiceBusSettlement> {
    requireFunction('ServiceBusSource.mapOrDeadLetter', 'f', f);
    const decider = options.decider ?? Supervision.resumingDecider;
    requireFunction('ServiceBusSource.mapOrDeadLetter', 'options.decider', decider);
    const reason = options.reason ?? 'rejected';
    const parallelism = requirePositiveInt('ServiceBusSource.mapOrDeadLetter', 'options.parallelism', options.parallelism ?? 1);
    const step = Flow.create<[ServiceBusReceivedMessage, ServiceBusSettlement]>()
      .mapAsync(parallelism, async ([message, settlement]): Promise<[Out, ServiceBusSettlement] | undefined> => {
        try {
          return [await f(message), settlement];
        } catch (error) {
          if (decider(error) === 'stop') throw error;
          await settlement.deadLetter(reason, error instanceof Error ? error.message : String(error));
          return undefined;
        }
      })
      .collect((pair) => pair);
    return FlowWithContext.fromTuples(step);
  },
};

export type { ServiceBusSourceControl };
