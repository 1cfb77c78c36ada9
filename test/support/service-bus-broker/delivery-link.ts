/**
 * Serves one receiver link of the SDK (a broker-side sender): delivers messages as the client grants credit,
 * answers drains, and maps the client's dispositions to settlements (accepted = complete, modified = abandon or
 * defer, rejected = dead-letter, released = abandon), echoing the outcome as the settled state.
 */
import { randomUUID } from 'node:crypto';
import type { Delivery, Sender } from 'rhea';
import { echoedState, rejectedState } from './codec';
import type { LockOwner, MessageStore, Settlement } from './message-store';
import { answerDrain, draining, flush, settleOutgoing, unusedCredit } from './rhea-internals';
import type { BrokerError } from './types';

interface Outcome {
  error?: { condition?: string; description?: string; info?: Record<string, unknown> };
  undeliverable_here?: boolean;
  message_annotations?: Record<string, unknown>;
}

/** A receiver link being served. */
export class DeliveryLink {
  private readonly tokens = new WeakMap<Delivery, string>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    readonly sender: Sender,
    readonly store: MessageStore,
    /** The session this link holds the lock of, for session receivers. */
    readonly sessionId: string | undefined,
    private readonly peekLock: boolean,
    private readonly settlementDelayMs: () => number,
    /** Who holds the locks this link takes (the session claim for session receivers). */
    readonly owner: LockOwner = { id: randomUUID() },
    /** Told the credit the client holds each time it sends a flow (before the broker uses it). */
    private readonly onCredit: (credit: number) => void = () => undefined,
  ) {
    this.unsubscribe = store.onChange(() => this.pump());
    sender.on('sendable', () => this.pump());
    sender.on('sender_flow', () => {
      this.onCredit(unusedCredit(sender));
      this.pump();
    });
    sender.on('sender_draining', () => this.pump());
    for (const outcome of ['accepted', 'released', 'rejected', 'modified'] as const) {
      sender.on(outcome, (context) => this.onOutcome(outcome, context.delivery as Delivery));
    }
  }

  /** Sends deliverable messages while credit lasts; then answers a pending drain. */
  pump(): void {
    if (this.closed || !this.sender.is_open()) return;
    while (unusedCredit(this.sender) > 0) {
      const next = this.store.nextDeliverable(this.sessionId);
      if (next === undefined) break;
      const delivery = this.store.deliver(next, this.owner, this.peekLock);
      const sent = delivery.deliveryTag === undefined
        ? this.sender.send(delivery.message)
        : this.sender.send(delivery.message, delivery.deliveryTag);
      if (delivery.lockToken !== undefined) this.tokens.set(sent, delivery.lockToken);
    }
    if (draining(this.sender)) answerDrain(this.sender);
  }

  private onOutcome(kind: 'accepted' | 'released' | 'rejected' | 'modified', delivery: Delivery): void {
    if (delivery.remote_settled) return; // settled by the client (receive-and-delete): nothing to answer
    const token = this.tokens.get(delivery);
    const outcome = delivery.remote_state as unknown as Outcome;
    const error = token === undefined
      ? { condition: 'com.microsoft:message-lock-lost', description: 'The delivery carries no lock.' }
      : this.store.settle(token, settlementOf(kind, outcome));
    const answer = (): void => {
      settleOutgoing(delivery, error === undefined ? echoedState(kind) : rejectedState(error));
      flush(this.sender);
    };
    const delay = this.settlementDelayMs();
    if (delay > 0) setTimeout(answer, delay).unref();
    else answer();
  }

  /** Stops serving; a session receiver releases its session lock. */
  close(error?: BrokerError): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    if (this.sessionId !== undefined) this.store.releaseSession(this.sessionId, this.owner);
    if (error !== undefined && this.sender.is_open()) this.sender.close({ condition: error.condition, description: error.description });
  }
}

function settlementOf(kind: 'accepted' | 'released' | 'rejected' | 'modified', outcome: Outcome): Settlement {
  switch (kind) {
    case 'accepted':
      return { kind: 'complete' };
    case 'released':
      return { kind: 'abandon' };
    case 'modified':
      return outcome.undeliverable_here === true
        ? { kind: 'defer', propertiesToModify: outcome.message_annotations }
        : { kind: 'abandon', propertiesToModify: outcome.message_annotations };
    case 'rejected': {
      const info = { ...(outcome.error?.info ?? {}) };
      const reason = info['DeadLetterReason'] as string | undefined;
      const description = info['DeadLetterErrorDescription'] as string | undefined;
      delete info['DeadLetterReason'];
      delete info['DeadLetterErrorDescription'];
      return { kind: 'deadLetter', reason, description, propertiesToModify: info };
    }
  }
}
