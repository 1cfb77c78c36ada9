/**
 * The Service Bus sink stage: size-aware batches per entity, sends with an outer retry loop, acknowledgements
 * (the `[element, context]` pairs) emitted in input order once the send that carried them resolved.
 */
import type { ServiceBusClient, ServiceBusMessage, ServiceBusMessageBatch, ServiceBusSender } from '@azure/service-bus';
import {
  FlowShape,
  GraphStage,
  GraphStageLogic,
  Inlet,
  NoMoreElementsNeeded,
  Outlet,
  RingBuffer,
  SubSourceOutlet,
  type BufferStats,
  type StageContext,
} from 'tributary';
import { BufferCounters } from '../../src/core/buffer-counters';
import { backoffDelay } from '../../src/retry/backoff';
import { createServiceBusClient, namespaceOf } from '../../azure/service-bus/connection';
import { isRetryableServiceBusError, serviceBusCodeOf, ServiceBusOperationError } from '../../azure/service-bus/errors';
import { MetricNames } from '../../hosting/metrics/metric-names';
import { ClaimChecker, bodyBytes } from './claim-check';
import { requireEntityName, type OversizeMessage, type ResolvedSinkOptions } from './options';

/** What the sink did, once it has drained and closed (the materialized Promise's value). */
export interface ServiceBusSinkSummary {
  /** Messages sent (claim-check references included, diverted elements not). */
  readonly messages: number;
  /** Successful batch sends. */
  readonly batches: number;
  /** Bytes sent (the batches' encoded sizes). */
  readonly bytes: number;
  /** Batches closed because the next message did not fit: their count, bytes and capacity (fill = bytes / capacity). */
  readonly fullBatches: { readonly count: number; readonly bytes: number; readonly capacity: number };
  /** Failed sends or batch creations that were retried. */
  readonly retries: number;
  /** Oversize elements handed to the divert sink. */
  readonly diverted: number;
  /** Oversize bodies uploaded as claim checks. */
  readonly claimChecked: number;
  /** Messages and batches per entity. */
  readonly entities: Readonly<Record<string, { readonly messages: number; readonly batches: number }>>;
}

/** A message larger than an empty batch, with `oversize: 'fail'`. */
export class ServiceBusOversizeError extends Error {
  override readonly name = 'ServiceBusOversizeError';
  constructor(
    readonly entity: string,
    readonly messageId: string | undefined,
    readonly maxSizeInBytes: number,
    readonly bodyBytes: number,
  ) {
    super(
      `ServiceBusSink: message ${messageId === undefined ? '(no messageId)' : `'${messageId}'`} for '${entity}' does not fit an empty ` +
        `batch (body ${bodyBytes} bytes, the link accepts at most ${maxSizeInBytes} bytes including properties): set ` +
        `oversize: { claimCheck: { container } } to send it through blob storage, or { divert: sink } to set it aside`,
    );
  }
}

interface Entry<T, C> {
  readonly element: T;
  readonly ctx: C;
  acked: boolean;
}

interface Batch<T, C> {
  readonly lane: Lane<T, C>;
  readonly batch: ServiceBusMessageBatch;
  readonly entries: Entry<T, C>[];
  sessions: Set<string> | undefined;
  closedFull: boolean;
  attempts: number;
  /** The timer key of this batch's retries (made on its first failure). */
  retryKey: TimerKey<T, C> | undefined;
}

type TimerKey<T, C> =
  | { readonly kind: 'delay'; readonly lane: Lane<T, C> }
  | { readonly kind: 'create'; readonly lane: Lane<T, C> }
  | { readonly kind: 'send'; readonly batch: Batch<T, C> };

/** One entity's sender, open batch and sends in flight. */
class Lane<T, C> {
  sender: ServiceBusSender | undefined;
  open: Batch<T, C> | undefined;
  creating = false;
  createAttempts = 0;
  /** `maxBatchDelayMs` passed since the open batch's first message. */
  due = false;
  /** The open batch refused a message (or reached `maxBatchMessages`). */
  full = false;
  /** Sends running or waiting for a retry; at most `maxInFlightBatches`. */
  readonly inFlight: Batch<T, C>[] = [];
  readonly delayKey: TimerKey<T, C> = { kind: 'delay', lane: this };
  readonly createKey: TimerKey<T, C> = { kind: 'create', lane: this };
  messages = 0;
  batches = 0;
  constructor(readonly entity: string) {}
}

/** The element in hand: pulled, not yet in a batch. */
interface Held<T, C> {
  readonly entry: Entry<T, C>;
  readonly lane: Lane<T, C>;
  message: ServiceBusMessage;
  claimChecked: boolean;
  /** Waiting for a claim-check upload or for the divert sink. */
  waiting: boolean;
  divert: OversizeMessage<T> | undefined;
}

class ServiceBusSinkLogic<T, C> extends GraphStageLogic {
  private readonly in: Inlet<[T, C]>;
  private readonly out: Outlet<[T, C]>;
  private readonly namespace: string;
  /** Every element from arrival to acknowledgement, in input order. */
  private readonly pending: RingBuffer<Entry<T, C>>;
  private readonly lanes = new Map<string, Lane<T, C>>();
  private readonly counters: BufferCounters;
  private client: ServiceBusClient | undefined;
  private held: Held<T, C> | undefined;
  private inFlightEntries = 0;
  private draining = false;
  private finishing = false;
  private closing: Promise<void> | undefined;
  private claimChecker: ClaimChecker | undefined;
  private divertOut: SubSourceOutlet<OversizeMessage<T>> | undefined;
  private divertMat: unknown;
  /** An element pushed to the divert sink, acknowledged when that sink asks for the next one (or completes). */
  private divertUnacked: Entry<T, C> | undefined;
  private divertCompleting = false;
  private divertDone = false;
  private readonly totals = { messages: 0, batches: 0, bytes: 0, retries: 0, diverted: 0, claimChecked: 0 };
  private readonly full = { count: 0, bytes: 0, capacity: 0 };
  private settle!: { resolve(summary: ServiceBusSinkSummary): void; reject(error: unknown): void };
  readonly completion: Promise<ServiceBusSinkSummary>;

  constructor(
    ctx: StageContext,
    shape: FlowShape<[T, C], [T, C]>,
    private readonly options: ResolvedSinkOptions<T>,
  ) {
    super(ctx, [shape.in], [shape.out]);
    this.in = shape.in;
    this.out = shape.out;
    this.namespace = namespaceOf(options.connection);
    this.pending = new RingBuffer(options.maxBufferedMessages);
    this.counters = new BufferCounters(
      options.maxBufferedMessages,
      () => this.pending.size - this.inFlightEntries,
      () => this.inFlightEntries,
      () => !this.isClosed(this.in),
    );
    this.completion = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.completion.catch(() => undefined);
    this.setHandler(this.in, {
      onPush: () => this.onElement(this.grab(this.in)),
      onUpstreamFinish: () => this.startDrain(),
      onUpstreamFailure: (e) => this.failWith(e),
    });
    this.setHandler(this.out, {
      onPull: () => this.emitReady(),
      onDownstreamFinish: (cause) => this.onDownstreamCancelled(cause),
    });
  }

  override stats(): BufferStats {
    return this.counters;
  }

  override preStart(): void {
    this.setKeepGoing(true);
    this.client = createServiceBusClient(this.options.connection, this.options.clientOptions);
    const oversize = this.options.oversize;
    if (typeof oversize === 'object' && 'claimCheck' in oversize) this.claimChecker = new ClaimChecker(oversize.claimCheck);
    if (typeof oversize === 'object' && 'divert' in oversize) {
      this.divertOut = new SubSourceOutlet<OversizeMessage<T>>(this, 'oversizeDivert', {
        onPull: () => this.onDivertPull(),
        onDownstreamFinish: (cause) => {
          if (!this.divertCompleting) {
            this.failWith(new Error(`ServiceBusSink: the oversize divert sink stopped before the stream ended (${cause instanceof Error ? cause.message : String(cause)})`, { cause }));
          }
        },
      });
      this.divertMat = this.divertOut.materialize(oversize.divert.blueprint);
    }
    this.pull(this.in);
  }

  override postStop(): void {
    void this.close();
  }

  // ---- elements in ----------------------------------------------------------------------------------------

  private onElement([element, ctx]: [T, C]): void {
    let entity: string;
    let message: ServiceBusMessage;
    try {
      entity = requireEntityName('entity(element)', this.options.route(element));
      message = this.options.toMessage(element);
      if (typeof message !== 'object' || message === null || !('body' in message)) {
        throw new TypeError(`ServiceBusSink: toMessage must return a ServiceBusMessage ({ body, messageId?, … }), got ${message === null ? 'null' : typeof message}`);
      }
    } catch (e) {
      this.failWith(e);
      return;
    }
    let lane = this.lanes.get(entity);
    if (!lane) this.lanes.set(entity, (lane = new Lane<T, C>(entity)));
    const entry: Entry<T, C> = { element, ctx, acked: false };
    this.pending.push(entry);
    this.counters.sample();
    this.held = { entry, lane, message, claimChecked: false, waiting: false, divert: undefined };
    this.place();
  }

  /** Puts the element in hand into its entity's open batch (creating one, or waiting for a send slot). */
  private place(): void {
    const h = this.held;
    if (!h || h.waiting || this.isStopped) return;
    const lane = h.lane;
    const open = lane.open;
    if (!open) {
      this.createBatch(lane);
      return;
    }
    if (lane.full) {
      // Closed by maxBatchMessages and waiting for a send slot: nothing more joins it.
      this.dispatch(lane);
      if (!lane.open) this.createBatch(lane);
      return;
    }
    let added: boolean;
    try {
      added = open.batch.tryAddMessage(h.message);
    } catch (e) {
      const id = h.message.messageId === undefined ? '(no messageId)' : `'${String(h.message.messageId)}'`;
      this.failWith(new TypeError(`ServiceBusSink: message ${id} for '${lane.entity}' is not a valid Service Bus message: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      return;
    }
    if (added) {
      open.entries.push(h.entry);
      const session = h.message.sessionId;
      if (session !== undefined) (open.sessions ??= new Set()).add(session);
      this.held = undefined;
      if (open.entries.length === 1 && !this.draining) this.scheduleOnce(lane.delayKey, this.options.maxBatchDelayMs);
      if (open.entries.length >= this.options.maxBatchMessages) lane.full = true;
      this.dispatch(lane);
      this.pullIfRoom();
      return;
    }
    if (open.entries.length === 0) {
      this.oversize(h, open.batch.maxSizeInBytes);
      return;
    }
    lane.full = true;
    open.closedFull = true;
    this.dispatch(lane);
    if (!lane.open) this.createBatch(lane); // else: waits for a send slot (onSent → dispatch → place)
  }

  private pullIfRoom(): void {
    if (this.held || this.draining || this.isClosed(this.in)) return;
    if (this.pending.isFull) {
      // Nothing more can join the open batches until acknowledgements drain: send them now.
      for (const lane of this.lanes.values()) this.dispatch(lane);
      return;
    }
    this.tryPull(this.in);
  }

  // ---- batches and sends ----------------------------------------------------------------------------------

  private createBatch(lane: Lane<T, C>): void {
    if (lane.creating || lane.open) return;
    lane.creating = true;
    const client = this.client!;
    let created: Promise<ServiceBusMessageBatch>;
    try {
      lane.sender ??= client.createSender(lane.entity);
      const max = this.options.maxBatchBytes;
      created = lane.sender.createMessageBatch(max === undefined ? undefined : { maxSizeInBytes: max });
    } catch (e) {
      created = Promise.reject(e);
    }
    created.then(
      this.getAsyncCallback((batch: ServiceBusMessageBatch) => {
        lane.creating = false;
        lane.createAttempts = 0;
        lane.open = { lane, batch, entries: [], sessions: undefined, closedFull: false, attempts: 0, retryKey: undefined };
        this.place();
      }),
      this.getAsyncCallback((error: unknown) => {
        lane.creating = false;
        if (this.retryable(error) && lane.createAttempts < this.options.retry.maxRetries) {
          this.countRetry(error);
          this.scheduleOnce(lane.createKey, this.backoff(lane.createAttempts++));
        } else {
          this.failWith(new ServiceBusOperationError('create batch', lane.entity, this.namespace, error, lane.createAttempts + 1, this.retryable(error)));
        }
      }),
    );
  }

  /** Sends the lane's open batch if it should go now and a send slot is free (and no session would overtake). */
  private dispatch(lane: Lane<T, C>): void {
    const b = lane.open;
    if (!b || b.entries.length === 0) return;
    if (!(lane.full || lane.due || this.draining || this.pending.isFull)) return;
    if (lane.inFlight.length >= this.options.maxInFlightBatches) return;
    if (b.sessions && lane.inFlight.some((f) => f.sessions && [...b.sessions!].some((s) => f.sessions!.has(s)))) return;
    lane.open = undefined;
    lane.full = false;
    lane.due = false;
    this.cancelTimer(lane.delayKey);
    lane.inFlight.push(b);
    this.inFlightEntries += b.entries.length;
    this.send(b);
  }

  private send(b: Batch<T, C>): void {
    b.attempts++;
    b.lane.sender!.sendMessages(b.batch).then(
      this.getAsyncCallback(() => this.onSent(b)),
      this.getAsyncCallback((error: unknown) => this.onSendFailed(b, error)),
    );
  }

  private onSent(b: Batch<T, C>): void {
    const lane = b.lane;
    lane.inFlight.splice(lane.inFlight.indexOf(b), 1);
    this.inFlightEntries -= b.entries.length;
    for (const entry of b.entries) entry.acked = true;
    const count = b.entries.length;
    const bytes = b.batch.sizeInBytes;
    lane.messages += count;
    lane.batches++;
    this.totals.messages += count;
    this.totals.batches++;
    this.totals.bytes += bytes;
    if (b.closedFull) {
      this.full.count++;
      this.full.bytes += bytes;
      this.full.capacity += b.batch.maxSizeInBytes;
    }
    const tags = { entity: lane.entity };
    this.options.metrics?.increment(MetricNames.rowsOutgoing, count, tags);
    this.options.metrics?.increment(MetricNames.batches, 1, tags);
    this.dispatch(lane);
    this.place();
    this.emitReady();
  }

  private onSendFailed(b: Batch<T, C>, error: unknown): void {
    const retries = b.attempts - 1;
    if (this.retryable(error) && retries < this.options.retry.maxRetries) {
      this.countRetry(error);
      this.scheduleOnce((b.retryKey ??= { kind: 'send', batch: b }), this.backoff(retries));
      return;
    }
    this.failWith(new ServiceBusOperationError('send', b.lane.entity, this.namespace, error, b.attempts, this.retryable(error)));
  }

  protected override onTimer(key: TimerKey<T, C>): void {
    switch (key.kind) {
      case 'delay':
        key.lane.due = true;
        this.dispatch(key.lane);
        break;
      case 'create':
        this.createBatch(key.lane);
        break;
      case 'send':
        this.send(key.batch);
        break;
    }
  }

  private retryable(error: unknown): boolean {
    return (this.options.retry.retryOn ?? isRetryableServiceBusError)(error);
  }

  private backoff(step: number): number {
    const { minBackoffMs, maxBackoffMs, randomFactor } = this.options.retry;
    return backoffDelay(minBackoffMs, maxBackoffMs, randomFactor, Math.min(step, 30));
  }

  private countRetry(error: unknown): void {
    this.totals.retries++;
    this.options.metrics?.increment(MetricNames.errors, 1, { error_kind: `service_bus_${serviceBusCodeOf(error) ?? 'error'}` });
  }

  // ---- oversize -------------------------------------------------------------------------------------------

  private oversize(h: Held<T, C>, maxSizeInBytes: number): void {
    const policy = this.options.oversize;
    const entity = h.lane.entity;
    if (policy === 'fail' || (this.claimChecker && h.claimChecked)) {
      const id = h.message.messageId === undefined ? undefined : String(h.message.messageId);
      this.failWith(new ServiceBusOversizeError(entity, id, maxSizeInBytes, bodyBytes(h.message.body).length));
      return;
    }
    h.waiting = true;
    if (this.claimChecker) {
      this.claimChecker.check(h.message, entity).then(
        this.getAsyncCallback((reference: ServiceBusMessage) => {
          this.totals.claimChecked++;
          h.message = reference;
          h.claimChecked = true;
          h.waiting = false;
          this.place();
        }),
        this.getAsyncCallback((error: unknown) =>
          this.failWith(new Error(`ServiceBusSink: claim-check upload for a message to '${entity}' failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
        ),
      );
      return;
    }
    h.divert = { element: h.entry.element, message: h.message, entity, maxSizeInBytes };
    this.tryDivert();
  }

  private tryDivert(): void {
    const h = this.held;
    const out = this.divertOut;
    if (!h?.divert || !out || !out.isAvailable) return;
    this.held = undefined;
    this.divertUnacked = h.entry;
    out.push(h.divert);
    this.pullIfRoom();
  }

  private onDivertPull(): void {
    this.ackDiverted();
    this.tryDivert();
  }

  private ackDiverted(): void {
    const entry = this.divertUnacked;
    if (!entry) return;
    this.divertUnacked = undefined;
    entry.acked = true;
    this.totals.diverted++;
    this.emitReady();
  }

  // ---- acknowledgements, drain, close ---------------------------------------------------------------------

  /** Emits the acknowledged prefix of the pending elements, in input order, as far as downstream pulled. */
  private emitReady(): void {
    const pending = this.pending;
    while (!pending.isEmpty && pending.peek().acked && this.isAvailable(this.out)) {
      const entry = pending.shift();
      this.push(this.out, [entry.element, entry.ctx]);
    }
    this.pullIfRoom();
    this.maybeFinish();
  }

  private startDrain(): void {
    this.draining = true;
    for (const lane of this.lanes.values()) this.dispatch(lane);
    this.place();
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (!this.draining || this.finishing || this.held || this.isStopped) return;
    for (const lane of this.lanes.values()) {
      if ((lane.open && lane.open.entries.length > 0) || lane.inFlight.length > 0) return;
    }
    if (this.divertOut && !this.divertDone) {
      if (this.divertCompleting) return;
      // Everything else is sent: let the divert sink finish before acknowledging what it took.
      this.divertCompleting = true;
      this.divertOut.complete();
      const done = this.getAsyncCallback<unknown>((error) => {
        if (error !== undefined) {
          this.failWith(error);
          return;
        }
        this.divertDone = true;
        this.ackDiverted();
        this.maybeFinish();
      });
      Promise.resolve(this.divertMat).then(() => done(undefined), (e: unknown) => done(e ?? new Error('divert sink failed')));
      return;
    }
    if (this.divertUnacked || !this.pending.isEmpty) return;
    this.finishing = true;
    this.complete(this.out);
    const closed = this.getAsyncCallback<void>(() => {
      this.settle.resolve(this.summary());
      this.setKeepGoing(false);
    });
    this.close().then(closed, closed);
  }

  private onDownstreamCancelled(cause: unknown): void {
    this.cancelStage(cause);
    const failed = cause !== undefined && !(cause instanceof NoMoreElementsNeeded);
    void this.close().then(() => (failed ? this.settle.reject(cause) : this.settle.resolve(this.summary())));
  }

  private failWith(error: unknown): void {
    if (!this.isStopped) this.failStage(error);
  }

  /** Fails the stage (also when a handler threw) and rejects the materialized Promise once the client is closed. */
  override failStage(error: unknown): void {
    super.failStage(error);
    const failure = this.ctx.failure(error);
    void this.close().then(() => this.settle.reject(failure));
  }

  /** Closes the senders and the client once (in-flight sends are abandoned when the stage failed). */
  private close(): Promise<void> {
    this.closing ??= (async () => {
      const senders = [...this.lanes.values()].flatMap((l) => (l.sender ? [l.sender] : []));
      await Promise.allSettled(senders.map((s) => s.close()));
      await this.client?.close().catch(() => undefined);
    })();
    return this.closing;
  }

  private summary(): ServiceBusSinkSummary {
    const entities: Record<string, { messages: number; batches: number }> = {};
    for (const lane of this.lanes.values()) entities[lane.entity] = { messages: lane.messages, batches: lane.batches };
    return { ...this.totals, fullBatches: { ...this.full }, entities };
  }
}

/** @internal The sink's flow stage: `[element, context]` in, the same pairs out once sent. */
export class ServiceBusSinkStage<T, C> extends GraphStage<FlowShape<[T, C], [T, C]>, Promise<ServiceBusSinkSummary>> {
  readonly shape = new FlowShape(new Inlet<[T, C]>('serviceBusSink.in'), new Outlet<[T, C]>('serviceBusSink.out'));
  constructor(private readonly options: ResolvedSinkOptions<T>) {
    super();
  }
  override get name(): string {
    return 'serviceBusSink';
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: Promise<ServiceBusSinkSummary> } {
    const logic = new ServiceBusSinkLogic<T, C>(ctx, this.shape, this.options);
    return { logic, mat: logic.completion };
  }
}
