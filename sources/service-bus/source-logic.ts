/**
 * The Service Bus source stage: peek-lock receives whose credit is granted only when downstream asks and the
 * source's buffer is empty, lock renewal of everything not yet settled, one session at a time when asked, and
 * settlement on the way out (linger for the committer after a normal stop, abandon on failure).
 */
import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver, ServiceBusSessionReceiver } from '@azure/service-bus';
import { GraphStage, GraphStageLogic, NoMoreElementsNeeded, Outlet, RingBuffer, SourceShape, type BufferStats, type StageContext } from 'tributary';
import { backoffDelay } from '../../src/retry/backoff';
import { createServiceBusClient, namespaceOf } from '../../azure/service-bus/connection';
import { isRetryableServiceBusError, serviceBusCodeOf, ServiceBusOperationError } from '../../azure/service-bus/errors';
import { MetricNames } from '../../hosting/metrics/metric-names';
import type { ResolvedSourceOptions } from './options';
import { ServiceBusSettlement, UnsettledMessages, type SettlementStats } from './settlement';

/** The source's materialized value. */
export interface ServiceBusSourceControl {
  /**
   * Resolves once the source has stopped and closed its receiver and client — after a normal stop, only when the
   * messages in flight were settled (or abandoned after `settleTimeoutMs`).
   */
  readonly closed: Promise<void>;
  /** What happened to the received messages so far. */
  stats(): SettlementStats & { readonly buffered: number; readonly sessionId: string | undefined };
}

type Pair = [ServiceBusReceivedMessage, ServiceBusSettlement];

const RENEW = 'renew';
const RETRY = 'retry';
const SETTLE_TIMEOUT = 'settleTimeout';
const IDLE = 'idle';

class ServiceBusSourceLogic extends GraphStageLogic implements BufferStats {
  private readonly out: Outlet<Pair>;
  private readonly namespace: string;
  private readonly buffer: RingBuffer<Pair>;
  private readonly registry: UnsettledMessages;
  private client: ServiceBusClient | undefined;
  private receiver: ServiceBusReceiver | ServiceBusSessionReceiver | undefined;
  private receiving = false;
  private opening = false;
  private releasing = false;
  private failures = 0;
  private lastMessageAt = 0;
  /** The idle time passed while a receive was in flight: complete if it comes back empty. */
  private idleDue = false;
  /** `lingering`: stopped emitting, waiting for the committer to settle what is in flight. */
  private phase: 'running' | 'lingering' | 'closing' = 'running';
  private _peak = 0;
  private resolveClosed!: () => void;
  readonly control: ServiceBusSourceControl;

  constructor(
    ctx: StageContext,
    shape: SourceShape<Pair>,
    private readonly options: ResolvedSourceOptions,
  ) {
    super(ctx, [], [shape.out]);
    this.out = shape.out;
    this.namespace = namespaceOf(options.connection);
    this.buffer = new RingBuffer(options.maxMessages);
    this.registry = new UnsettledMessages(this.getAsyncCallback<void>(() => this.onSettled()));
    const closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
    this.control = {
      closed,
      stats: () => ({ ...this.registry.stats(), buffered: this.buffer.size, sessionId: (this.receiver as Partial<ServiceBusSessionReceiver> | undefined)?.sessionId }),
    };
    this.setHandler(this.out, {
      onPull: () => this.pushOrReceive(),
      onDownstreamFinish: (cause) => (cause === undefined || cause instanceof NoMoreElementsNeeded ? this.linger() : this.abort()),
    });
  }

  // ---- BufferStats: everything locked at the service on the stream's behalf --------------------------------

  get capacity(): number {
    return this.options.maxUnsettled;
  }
  get buffered(): number {
    return this.buffer.size;
  }
  get inFlight(): number {
    return this.registry.size - this.buffer.size;
  }
  get peak(): number {
    return this._peak;
  }
  get demand(): number {
    return this.phase === 'running' ? Math.max(0, this.options.maxUnsettled - this.registry.size) : 0;
  }
  override stats(): BufferStats {
    return this;
  }

  override preStart(): void {
    this.setKeepGoing(true);
    this.client = createServiceBusClient(this.options.connection, this.options.clientOptions);
    this.lastMessageAt = this.now();
    const renewal = this.options.lockRenewal;
    if (renewal) this.schedulePeriodically(RENEW, renewal.intervalMs);
    this.armIdleTimer(this.options.completeAfterIdleMs);
  }

  private armIdleTimer(delayMs: number | undefined): void {
    if (delayMs !== undefined) this.scheduleOnce(IDLE, delayMs);
  }

  /**
   * `completeAfterIdleMs` passed without a message: complete now if nothing is buffered or being received,
   * else after the receive in flight comes back empty.
   */
  private onIdle(): void {
    if (this.phase !== 'running') return;
    if (!this.buffer.isEmpty) this.armIdleTimer(this.options.maxWaitTimeMs);
    else if (this.receiving) this.idleDue = true;
    else this.completeIdle();
  }

  private completeIdle(): void {
    this.complete(this.out);
    this.linger();
  }

  override postStop(): void {
    void this.closeAll(true);
  }

  // ---- receiving ------------------------------------------------------------------------------------------

  private pushOrReceive(): void {
    if (this.phase !== 'running') return;
    if (!this.buffer.isEmpty) {
      if (this.isAvailable(this.out)) this.push(this.out, this.buffer.shift());
      return;
    }
    if (this.isAvailable(this.out)) this.receive();
  }

  private receive(): void {
    if (this.receiving || this.opening || this.releasing || this.isTimerActive(RETRY)) return;
    const receiver = this.receiver;
    if (!receiver) {
      this.openReceiver();
      return;
    }
    const credit = Math.min(this.options.maxMessages, this.options.maxUnsettled - this.registry.size);
    if (credit <= 0) return; // resumes when the committer settles something
    this.receiving = true;
    receiver.receiveMessages(credit, { maxWaitTimeInMs: this.options.maxWaitTimeMs }).then(
      this.getAsyncCallback((messages: ServiceBusReceivedMessage[]) => this.onReceived(receiver, messages)),
      this.getAsyncCallback((error: unknown) => this.onReceiveFailed('receive', error)),
    );
  }

  private onReceived(receiver: ServiceBusReceiver, messages: readonly ServiceBusReceivedMessage[]): void {
    this.receiving = false;
    this.failures = 0;
    for (const message of messages) {
      const settlement = new ServiceBusSettlement(this.registry, message, receiver, this.options.entityPath);
      this.registry.add(settlement);
      if (this.phase !== 'running' || this.buffer.isFull) void settlement.abandon().catch(() => undefined);
      else this.buffer.push([message, settlement]);
    }
    this._peak = Math.max(this._peak, this.registry.size);
    if (this.phase !== 'running') {
      this.maybeClose();
      return;
    }
    const now = this.now();
    if (messages.length > 0) {
      this.lastMessageAt = now;
      this.idleDue = false;
      this.armIdleTimer(this.options.completeAfterIdleMs);
      this.options.metrics?.increment(MetricNames.rowsIncoming, messages.length, { entity: this.options.entityPath });
    } else if (this.idleDue) {
      this.completeIdle();
      return;
    } else if (this.sessionIdle(now)) {
      this.releaseSession();
      return;
    }
    this.pushOrReceive();
  }

  /** After an empty receive: whether the current session is idle and settled, so the next one may be accepted. */
  private sessionIdle(now: number): boolean {
    const sessions = this.options.sessions;
    return (
      sessions !== undefined &&
      sessions.sessionId === undefined &&
      now - this.lastMessageAt >= sessions.idleTimeoutMs &&
      this.receiver !== undefined &&
      this.registry.countFor(this.receiver) === 0
    );
  }

  private openReceiver(): void {
    const client = this.client!;
    const [entity, subscription] = this.options.entity;
    const receiveOptions = { receiveMode: 'peekLock' as const, maxAutoLockRenewalDurationInMs: 0 };
    const sessions = this.options.sessions;
    if (!sessions) {
      const options = { ...receiveOptions, ...(this.options.subQueue ? { subQueueType: this.options.subQueue } : {}) };
      this.receiver = subscription === undefined ? client.createReceiver(entity, options) : client.createReceiver(entity, subscription, options);
      this.receive();
      return;
    }
    this.opening = true;
    const id = sessions.sessionId;
    const accepted =
      subscription === undefined
        ? id === undefined
          ? client.acceptNextSession(entity, receiveOptions)
          : client.acceptSession(entity, id, receiveOptions)
        : id === undefined
          ? client.acceptNextSession(entity, subscription, receiveOptions)
          : client.acceptSession(entity, subscription, id, receiveOptions);
    accepted.then(
      this.getAsyncCallback((receiver: ServiceBusSessionReceiver) => {
        this.opening = false;
        this.failures = 0;
        if (this.phase !== 'running') {
          void receiver.close().catch(() => undefined);
          this.maybeClose();
          return;
        }
        this.receiver = receiver;
        this.lastMessageAt = this.now();
        this.pushOrReceive();
      }),
      this.getAsyncCallback((error: unknown) => {
        this.opening = false;
        if (this.phase !== 'running') return;
        const code = serviceBusCodeOf(error);
        if (id === undefined && (code === 'ServiceTimeout' || code === 'SessionCannotBeLocked')) {
          // No session available right now: look again shortly (not a failure).
          this.scheduleOnce(RETRY, this.options.retry.minBackoffMs);
          return;
        }
        this.onReceiveFailed('accept session', error);
      }),
    );
  }

  /** Closes the idle session's receiver (all its messages are settled) so the next session can be accepted. */
  private releaseSession(): void {
    const receiver = this.receiver;
    if (!receiver) return;
    this.receiver = undefined;
    this.releasing = true;
    const released = this.getAsyncCallback<void>(() => {
      this.releasing = false;
      this.pushOrReceive();
    });
    receiver.close().then(released, released);
  }

  private onReceiveFailed(operation: string, error: unknown): void {
    this.receiving = false;
    if (this.phase !== 'running') {
      this.maybeClose();
      return;
    }
    const code = serviceBusCodeOf(error);
    if (code === 'SessionLockLost' && this.receiver) {
      // The session moved on: its unsettled messages come back to whoever accepts it next.
      this.releaseSession();
      return;
    }
    const retryable = isRetryableServiceBusError(error);
    if (retryable && this.failures < this.options.retry.maxRetries) {
      const { minBackoffMs, maxBackoffMs, randomFactor } = this.options.retry;
      this.scheduleOnce(RETRY, backoffDelay(minBackoffMs, maxBackoffMs, randomFactor, Math.min(this.failures++, 30)));
      return;
    }
    const failure = new ServiceBusOperationError(operation, this.options.entityPath, this.namespace, error, this.failures + 1, retryable);
    this.failStage(failure);
    void this.closeAll(true);
  }

  protected override onTimer(key: unknown): void {
    if (key === RENEW) this.renewLocks();
    else if (key === RETRY) this.pushOrReceive();
    else if (key === SETTLE_TIMEOUT) void this.finish(true);
    else if (key === IDLE) this.onIdle();
  }

  private renewLocks(): void {
    const renewal = this.options.lockRenewal!;
    const now = this.now();
    this.registry.renewDue(now, renewal.marginMs);
    const session = this.receiver as ServiceBusSessionReceiver | undefined;
    if (this.options.sessions && session?.sessionLockedUntilUtc && session.sessionLockedUntilUtc.getTime() - now < renewal.marginMs) {
      session.renewSessionLock().catch(() => undefined); // a lost session lock surfaces on the next receive
    }
  }

  private onSettled(): void {
    if (this.phase === 'running') this.pushOrReceive();
    else this.maybeClose();
  }

  // ---- stopping -------------------------------------------------------------------------------------------

  /** Stopped normally: abandon what downstream never saw, keep renewing the rest until it is settled. */
  private linger(): void {
    if (this.phase !== 'running') return;
    this.phase = 'lingering';
    this.cancelTimer(RETRY);
    while (!this.buffer.isEmpty) void this.buffer.shift()[1].abandon().catch(() => undefined);
    this.scheduleOnce(SETTLE_TIMEOUT, this.options.settleTimeoutMs);
    this.maybeClose();
  }

  private maybeClose(): void {
    // A session being accepted is not waited for: closing the client ends the attempt.
    if (this.phase === 'lingering' && this.registry.size === 0 && !this.receiving) void this.finish(false);
  }

  /** Downstream failed: abandon every unsettled message (redelivered at once), close, stop. */
  private abort(): void {
    this.buffer.clear();
    void this.finish(true);
  }

  private async finish(abandon: boolean): Promise<void> {
    this.phase = 'closing';
    this.cancelTimer(RENEW);
    this.cancelTimer(SETTLE_TIMEOUT);
    this.cancelTimer(RETRY);
    this.cancelTimer(IDLE);
    const stop = this.getAsyncCallback<void>(() => this.setKeepGoing(false));
    await this.closeAll(abandon);
    stop();
  }

  private closing: Promise<void> | undefined;

  /** Abandons what is unsettled (when asked), closes the receiver and client once, and resolves `closed`. */
  private closeAll(abandon: boolean): Promise<void> {
    this.closing ??= (async () => {
      if (abandon) await this.registry.abandonAll();
      await this.receiver?.close().catch(() => undefined);
      await this.client?.close().catch(() => undefined);
      this.resolveClosed();
    })();
    return this.closing;
  }
}

/** @internal The source stage. */
export class ServiceBusSourceStage extends GraphStage<SourceShape<Pair>, ServiceBusSourceControl> {
  readonly shape = new SourceShape(new Outlet<Pair>('serviceBusSource.out'));
  constructor(private readonly options: ResolvedSourceOptions) {
    super();
  }
  override get name(): string {
    return 'serviceBusSource';
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: ServiceBusSourceControl } {
    const logic = new ServiceBusSourceLogic(ctx, this.shape, this.options);
    return { logic, mat: logic.control };
  }
}
