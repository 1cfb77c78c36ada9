/**
 * Settlement of peek-locked messages: the context each received message carries (`ServiceBusSettlement`), and the
 * registry of messages received and not yet settled, whose locks the source renews.
 */
import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import type { Committable } from 'tributary';
import { isRetryableServiceBusError, serviceBusCodeOf } from '../../azure/service-bus/errors';

/**
 * How a message was settled. `lockLost`: its lock expired first, or the connection that held it dropped and the
 * settlement could not get through (after the SDK's retries) — either way the service redelivers the message.
 */
export type SettlementOutcome = 'completed' | 'abandoned' | 'deadLettered' | 'lockLost';

/** Counts of what happened to the received messages. */
export interface SettlementStats {
  readonly received: number;
  readonly completed: number;
  readonly abandoned: number;
  readonly deadLettered: number;
  readonly lockLost: number;
  readonly renewed: number;
  /** Received and not settled yet. */
  readonly unsettled: number;
}

const LOCK_LOST = new Set(['MessageLockLost', 'SessionLockLost']);

/**
 * Whether a failed settlement leaves the message to be redelivered anyway: its lock is lost, or the link holding it
 * is unreachable (a dropped connection, a timeout after the SDK's retries). At-least-once holds, so such a failure
 * does not fail the stream.
 */
function lockGone(error: unknown): boolean {
  return LOCK_LOST.has(serviceBusCodeOf(error) ?? '') || isRetryableServiceBusError(error);
}

/**
 * The context of a received message: settles it with the receiver that received it. Each method settles at most
 * once (later calls return the first call's Promise); a lock already lost counts as settled (`outcome` `lockLost`:
 * the service redelivers the message, so at-least-once holds).
 * @example
 * const [message, settlement] = pair;
 * if (!isValid(message.body)) await settlement.deadLetter('invalid-body', 'missing field id');
 */
export class ServiceBusSettlement {
  private settling: Promise<void> | undefined;
  private renewing = false;
  private _outcome: SettlementOutcome | undefined;

  /** @internal */
  constructor(
    private readonly registry: UnsettledMessages,
    /** The received message. */
    readonly message: ServiceBusReceivedMessage,
    /** @internal */
    readonly receiver: ServiceBusReceiver,
    /** The entity path it came from. */
    readonly entity: string,
  ) {}

  /** A key unique per delivery (entity and lock token). */
  get key(): string {
    return `${this.entity}/${this.message.lockToken ?? ''}`;
  }
  get messageId(): string | undefined {
    const id = this.message.messageId;
    return id === undefined ? undefined : String(id);
  }
  get sessionId(): string | undefined {
    return this.message.sessionId;
  }
  get deliveryCount(): number {
    return this.message.deliveryCount ?? 0;
  }
  /** How it was settled, once it was. */
  get outcome(): SettlementOutcome | undefined {
    return this._outcome;
  }

  /**
   * Removes the message from the entity (call after it was processed; the committer does, through `committable`).
   * Rejects only on errors that leave the message locked for good (e.g. `UnauthorizedAccess`); a lost lock or an
   * unreachable link resolves with `outcome` `lockLost` (the message comes back).
   */
  complete(): Promise<void> {
    return this.settle('completed', () => this.receiver.completeMessage(this.message));
  }

  /** Releases the lock so the message is delivered again (its delivery count goes up). */
  abandon(propertiesToModify?: Record<string, number | boolean | string | Date | null>): Promise<void> {
    return this.settle('abandoned', () => this.receiver.abandonMessage(this.message, propertiesToModify));
  }

  /** Moves the message to the dead-letter sub-queue with `reason` (and `description`). */
  deadLetter(reason: string, description?: string): Promise<void> {
    return this.settle('deadLettered', () =>
      this.receiver.deadLetterMessage(this.message, { deadLetterReason: reason, deadLetterErrorDescription: description ?? reason }),
    );
  }

  private settle(outcome: SettlementOutcome, op: () => Promise<void>): Promise<void> {
    if (this._outcome !== undefined) return Promise.resolve();
    this.settling ??= op().then(
      () => this.done(outcome),
      (error: unknown) => {
        if (lockGone(error)) return this.done('lockLost');
        this.settling = undefined;
        throw error;
      },
    );
    return this.settling;
  }

  /** @internal Renews the lock if it expires within `marginMs` of `now`. */
  renewIfDue(now: number, marginMs: number): void {
    const until = this.message.lockedUntilUtc?.getTime() ?? 0;
    if (this._outcome !== undefined || this.settling || this.renewing || until - now >= marginMs) return;
    this.renewing = true;
    this.receiver.renewMessageLock(this.message).then(
      (lockedUntil) => {
        this.renewing = false;
        this.message.lockedUntilUtc = lockedUntil;
        this.registry.count('renewed');
      },
      (error: unknown) => {
        this.renewing = false;
        // Lock lost: the service redelivers the message; a later complete() is a no-op. Other errors: next tick.
        if (LOCK_LOST.has(serviceBusCodeOf(error) ?? '')) this.done('lockLost');
      },
    );
  }

  private done(outcome: SettlementOutcome): void {
    if (this._outcome !== undefined) return;
    this._outcome = outcome;
    this.registry.settled(this, outcome);
  }
}

/** The messages a source received and nobody has settled yet. */
export class UnsettledMessages {
  private readonly byKey = new Map<string, ServiceBusSettlement>();
  private readonly counts = { received: 0, completed: 0, abandoned: 0, deadLettered: 0, lockLost: 0, renewed: 0 };

  /** @param onSettled called after every settlement (from promise callbacks: hand it to the stage safely). */
  constructor(private readonly onSettled: () => void) {}

  get size(): number {
    return this.byKey.size;
  }

  add(settlement: ServiceBusSettlement): void {
    this.byKey.set(settlement.key, settlement);
    this.counts.received++;
  }

  /** Unsettled messages received through `receiver`. */
  countFor(receiver: ServiceBusReceiver): number {
    let n = 0;
    for (const s of this.byKey.values()) if (s.receiver === receiver) n++;
    return n;
  }

  /** @internal */
  settled(settlement: ServiceBusSettlement, outcome: SettlementOutcome): void {
    if (!this.byKey.delete(settlement.key)) return;
    this.counts[outcome]++;
    this.onSettled();
  }

  /** @internal */
  count(what: 'renewed'): void {
    this.counts[what]++;
  }

  /** Renews the locks that expire within `marginMs` of `now`. */
  renewDue(now: number, marginMs: number): void {
    for (const s of this.byKey.values()) s.renewIfDue(now, marginMs);
  }

  /** Abandons every unsettled message (failures are ignored: the lock then expires and the message comes back). */
  async abandonAll(): Promise<void> {
    await Promise.allSettled([...this.byKey.values()].map((s) => s.abandon()));
  }

  stats(): SettlementStats {
    return { ...this.counts, unsettled: this.byKey.size };
  }
}

/**
 * The `Committable` of Service Bus settlements: committing completes each message. Every delivery is its own
 * partition, so the committer keeps them all and completes them in one batch per `maxBatch` / `maxIntervalMs`.
 * @example source.mapAsync(4, handle).toMat(Committer.sinkWithContext(serviceBusCommittable, { maxBatch: 100, maxIntervalMs: 200 }), DrainingControl.create)
 */
export const serviceBusCommittable: Committable<ServiceBusSettlement> = {
  partitionOf: (settlement) => settlement.key,
  commit: async (settlements) => {
    await Promise.all(settlements.map((s) => s.complete()));
  },
};
