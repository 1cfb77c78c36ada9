import type { ServiceBusAdministrationClientOptions } from '@azure/service-bus';
import { Flow, FlowWithContext, Keep, Sink } from 'tributary';
import { ensureServiceBusEntities, type EnsureEntitiesResult, type ServiceBusEntitySpec } from './entities';
import { resolveSinkOptions, type ResolvedSinkOptions, type ServiceBusSinkOptions } from './options';
import { ServiceBusSinkStage, type ServiceBusSinkSummary } from './sink-logic';

/**
 * Sends stream elements to Azure Service Bus queues or topics in size-aware batches (`createMessageBatch` /
 * `tryAddMessage`: the batch limit comes from the link, never from a constant).
 *
 * - **Batching.** Per entity, messages join an open batch until the next one does not fit (or `maxBatchMessages`),
 *   or `maxBatchDelayMs` passed since its first message (timer on the stream's scheduler); then it is sent.
 * - **Order.** One batch in flight per entity (`maxInFlightBatches: 1`), so an entity receives messages in input
 *   order; with more, batches sharing a session id still never overtake each other.
 * - **Acknowledgement.** `flowWithContext()` emits each `[element, context]` — in input order — only after the
 *   send that carried it resolved: put `Committer.sinkWithContext` after it and a position is committed only
 *   once its message is in Service Bus (at-least-once; a deterministic `messageId` plus duplicate detection on the
 *   entity makes replays effectively-once within the detection window).
 * - **Errors.** `ServiceBusy`, `ServiceTimeout`, `ServiceCommunicationProblem` and refused connections are retried
 *   with exponential backoff and jitter (`retry`), holding the batch and backpressuring the source;
 *   `MessageSizeExceeded`, `QuotaExceeded`, `MessagingEntityNotFound`, `MessagingEntityDisabled`,
 *   `UnauthorizedAccess` fail the stream at once with a `ServiceBusOperationError` naming the entity and the fix.
 *   A message too large for an empty batch follows `oversize` (`'fail'`, `{ divert }`, `{ claimCheck }`).
 * - **Drain.** When upstream completes, open batches are flushed, in-flight sends awaited, the remaining contexts
 *   emitted, then senders and client closed; the materialized Promise resolves with a `ServiceBusSinkSummary`.
 *
 * Emits when a send resolved and downstream pulls · Backpressures when `maxBufferedMessages` elements wait for
 * their send or for downstream, or a full batch waits for a send slot · Completes after the drain · Fails on a
 * fatal Service Bus error, an oversize message with `'fail'`, a throwing `entity`/`toMessage`, or upstream failure
 * (unsent elements are not acknowledged: a restart resends them).
 *
 * @example
 * const bus = ServiceBusSink.create<Change>({
 *   connection: ctx.secret('SERVICEBUS_CONNECTION'),
 *   entity: (e) => `${e.source.table.toLowerCase()}-changes`,
 *   toMessage: (e) => ({ body: e, messageId: e.id, sessionId: e.key, subject: e.op, applicationProperties: { table: e.source.table, op: e.op } }),
 * });
 * const control = changes
 *   .viaMat(KillSwitches.single(), Keep.right)
 *   .asSourceWithContext((e) => e.offset)
 *   .via(bus.flowWithContext())
 *   .toMat(Committer.sinkWithContext(committable), DrainingControl.create)
 *   .run();
 */
export class ServiceBusSink<T> {
  private constructor(private readonly options: ResolvedSinkOptions<T>) {}

  /**
   * Validates `options` (errors name the field; connection strings are never printed) and returns the sink's
   * blueprints. Each materialization opens its own client.
   * @example const bus = ServiceBusSink.create<Order>({ connection, entity: 'orders', maxBatchDelayMs: 20 });
   */
  static create<T>(options: ServiceBusSinkOptions<T>): ServiceBusSink<T> {
    return new ServiceBusSink(resolveSinkOptions(options));
  }

  /**
   * A flow for elements with context: emits each `[element, context]` in input order once its message was sent.
   * Its materialized Promise resolves with the summary after the drain and close.
   * @example source.asSourceWithContext(c => c.offset).via(bus.flowWithContext()).toMat(Committer.sinkWithContext(committable), Keep.right)
   */
  flowWithContext<Ctx>(): FlowWithContext<T, Ctx, T, Ctx, Promise<ServiceBusSinkSummary>> {
    return FlowWithContext.fromTuples(Flow.fromGraph(new ServiceBusSinkStage<T, Ctx>(this.options)));
  }

  /**
   * A sink for plain elements; its Promise resolves with the summary once everything was sent and the client
   * closed (rejects on failure).
   * @example const summary = await Source.from(orders).runWith(bus.sink());
   */
  sink(): Sink<T, Promise<ServiceBusSinkSummary>> {
    return Flow.create<T>()
      .map((element): [T, undefined] => [element, undefined])
      .viaMat(this.flowWithContext<undefined>().asFlow(), Keep.right)
      .toMat(Sink.ignore(), Keep.left);
  }

  /**
   * Creates the given queues/topics (duplicate detection on by default, sessions when asked) through the
   * administration API with this sink's connection; see `ensureServiceBusEntities`. Not for the hot path.
   * @example await bus.ensureEntities([{ name: 'orders-changes', requiresSession: true }]);
   */
  ensureEntities(specs: readonly ServiceBusEntitySpec[], adminOptions?: ServiceBusAdministrationClientOptions): Promise<EnsureEntitiesResult> {
    return ensureServiceBusEntities(this.options.connection, specs, adminOptions);
  }
}
