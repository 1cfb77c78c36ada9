/** Fault injection of the Service Bus test broker: armed by tests, consumed by the broker as traffic arrives. */
import { requireDuration, requirePositiveInt } from '../../../src/core/validate';
import type { BrokerError } from './types';

/** What happens to one producer transfer instead of normal acceptance. */
export type SendFault =
  /** The socket is destroyed before (or, with `afterEnqueue`, after) the message is stored; no disposition. */
  | { readonly kind: 'drop-connection'; readonly afterEnqueue: boolean }
  /** The transfer is rejected with `com.microsoft:server-busy` (mode 'reject') or its link detached with it. */
  | { readonly kind: 'server-busy'; readonly mode: 'reject' | 'detach' }
  /** The transfer is rejected with this error. */
  | { readonly kind: 'reject'; readonly error: BrokerError };

interface Counted<T> {
  remaining: number;
  readonly value: T;
}

const SERVER_BUSY_DESCRIPTION =
  'The request was terminated because the entity is being throttled. Error code : 50009. Please wait 2 seconds and try again.';

/** Armed faults. Each `n` counts the operations it applies to; every method returns `this` for chaining. */
export class BrokerFaults {
  private putTokenRefusals: { remaining: number; when: (audience: string) => boolean } | undefined;
  private readonly sendFaults: Counted<SendFault>[] = [];
  private dispositionDelayMs = 0;

  constructor(private readonly hide: (entity: string) => void) {}

  /**
   * Answers the next `n` put-token requests (or every one whose audience matches the predicate) with
   * status 401, which the SDK raises as `UnauthorizedAccess`.
   * @example broker.faults.refusePutToken(1)
   */
  refusePutToken(n: number | ((audience: string) => boolean)): this {
    this.putTokenRefusals = typeof n === 'number'
      ? { remaining: requireCount('refusePutToken', n), when: () => true }
      : { remaining: Number.POSITIVE_INFINITY, when: n };
    return this;
  }

  /**
   * Throttles the next `n` sends as Service Bus does: the transfer is rejected with `com.microsoft:server-busy`
   * and the SDK raises `ServiceBusy` (retryable). With mode `'detach'` the sender link is detached with that
   * error instead; the SDK does not fail a pending send on a detach, so that send ends in `ServiceTimeout` after
   * `timeoutInMs` and the next one re-attaches.
   * @example broker.faults.serverBusy(5)
   */
  serverBusy(n: number, mode: 'reject' | 'detach' = 'reject'): this {
    this.sendFaults.push({ remaining: requireCount('serverBusy', n), value: { kind: 'server-busy', mode } });
    return this;
  }

  /**
   * Destroys the client's connection when each of the next `n` transfers arrives: before storing it (the message
   * is lost, the send times out or fails) or, with `afterEnqueue`, after storing it (the ack is lost: a retry
   * duplicates it unless duplicate detection drops it).
   * @example broker.faults.dropConnectionDuringSend(1, { afterEnqueue: true })
   */
  dropConnectionDuringSend(n: number, options: { readonly afterEnqueue?: boolean } = {}): this {
    this.sendFaults.push({ remaining: requireCount('dropConnectionDuringSend', n), value: { kind: 'drop-connection', afterEnqueue: options.afterEnqueue === true } });
    return this;
  }

  /**
   * Delays the disposition of every producer transfer by `ms` (0 turns it off); past the SDK's `timeoutInMs`
   * the send fails with `ServiceTimeout` although the broker stored the message.
   * @example broker.faults.delayDispositionsMs(5000)
   */
  delayDispositionsMs(ms: number): this {
    this.dispositionDelayMs = requireDuration('faults.delayDispositionsMs', 'ms', ms);
    return this;
  }

  /**
   * Makes entity `name` look deleted: put-token answers 404, new links are refused with `amqp:not-found`, and
   * open links on it are detached with `amqp:not-found`. The SDK raises `MessagingEntityNotFound`.
   * @example broker.faults.entityNotFound('orders')
   */
  entityNotFound(name: string): this {
    this.hide(name);
    return this;
  }

  /**
   * Rejects the next `n` transfers with `condition` (e.g. `amqp:resource-limit-exceeded` → QuotaExceeded,
   * `com.microsoft:entity-disabled` → MessagingEntityDisabled, `amqp:unauthorized-access` → UnauthorizedAccess,
   * `com.microsoft:timeout` → ServiceTimeout, `amqp:link:message-size-exceeded` → MessageSizeExceeded).
   * @example broker.faults.failNextSend('amqp:resource-limit-exceeded', 1)
   */
  failNextSend(condition: string, n = 1, description = `injected failure: ${condition}`): this {
    this.sendFaults.push({ remaining: requireCount('failNextSend', n), value: { kind: 'reject', error: { condition, description } } });
    return this;
  }

  /** Disarms every fault (hidden entities stay hidden). */
  reset(): this {
    this.putTokenRefusals = undefined;
    this.sendFaults.length = 0;
    this.dispositionDelayMs = 0;
    return this;
  }

  /** @internal Whether to refuse this put-token (consumes one refusal). */
  takePutTokenRefusal(audience: string): boolean {
    const refusal = this.putTokenRefusals;
    if (refusal === undefined || refusal.remaining <= 0 || !refusal.when(audience)) return false;
    refusal.remaining--;
    return true;
  }

  /** @internal The fault for the next producer transfer, if any (consumes one), in the order they were armed. */
  takeSendFault(): SendFault | undefined {
    const armed = this.sendFaults.find((f) => f.remaining > 0);
    if (armed === undefined) return undefined;
    armed.remaining--;
    return armed.value;
  }

  /** @internal */
  get dispositionDelay(): number {
    return this.dispositionDelayMs;
  }
}

/** The error the broker throttles with. */
export const SERVER_BUSY: BrokerError = { condition: 'com.microsoft:server-busy', description: SERVER_BUSY_DESCRIPTION };

function requireCount(op: string, n: number): number {
  return requirePositiveInt(`faults.${op}`, 'n', n);
}
