/**
 * Accepts the transfers of one SDK sender link (a broker-side receiver): applies armed faults, the message size
 * limit and the session requirement, decodes single and batch transfers, hands the messages to the namespace and
 * answers with the disposition (accepted or rejected with an AMQP error).
 */
import { type Delivery, type EventContext, type Message, type Receiver } from 'rhea';
import { acceptedState, messagesOfTransfer, payloadSize, rejectedState } from './codec';
import { SERVER_BUSY, type BrokerFaults } from './faults';
import type { Namespace } from './namespace';
import type { BrokerError } from './types';

/** What a producer link needs from the broker. */
export interface ProducerLinkContext {
  readonly namespace: Namespace;
  readonly faults: BrokerFaults;
  readonly maxMessageSize: number;
  /** Destroys the connection's socket (the drop-connection fault). */
  dropConnection(): void;
}

const SESSION_ID_MISSING: BrokerError = {
  condition: 'amqp:not-allowed',
  description:
    'The SessionId was not set on a message, and it cannot be sent to the entity. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value.',
};

/** Starts accepting transfers on `receiver`, whose target is the queue or topic `path`. */
export function serveProducerLink(receiver: Receiver, path: string, context: ProducerLinkContext): void {
  receiver.on('message', (event: EventContext) => onTransfer(receiver, path, context, event));
}

function settle(delivery: Delivery, state: unknown, delayMs: number): void {
  const answer = (): void => delivery.update(true, state);
  if (delayMs > 0) setTimeout(answer, delayMs).unref();
  else answer();
}

function reject(delivery: Delivery, error: BrokerError): void {
  delivery.update(true, rejectedState(error));
}

function onTransfer(receiver: Receiver, path: string, context: ProducerLinkContext, event: EventContext): void {
  const delivery = event.delivery!;
  const format = (event as { format?: number }).format ?? 0;
  const payload = event.message as Message | Buffer;
  const target = context.namespace.sendTarget(path);
  if (target === undefined) {
    receiver.close({ condition: 'amqp:not-found', description: `The messaging entity '${path}' could not be found.` });
    return;
  }
  const fault = context.faults.takeSendFault();
  if (fault?.kind === 'server-busy') {
    if (fault.mode === 'detach') receiver.close({ condition: SERVER_BUSY.condition, description: SERVER_BUSY.description });
    else reject(delivery, SERVER_BUSY);
    return;
  }
  if (fault?.kind === 'reject') {
    reject(delivery, fault.error);
    return;
  }
  const size = payloadSize(format, payload);
  if (size > context.maxMessageSize) {
    reject(delivery, {
      condition: 'amqp:link:message-size-exceeded',
      description: `The received message (delivery-id:${delivery.id}, size:${size} bytes) exceeds the limit (${context.maxMessageSize} bytes) currently allowed on the link.`,
    });
    return;
  }
  let messages: Message[];
  try {
    messages = messagesOfTransfer(format, payload);
  } catch (e) {
    reject(delivery, { condition: 'amqp:decode-error', description: (e as Error).message });
    return;
  }
  if (target.requiresSession && messages.some((m) => m.group_id === undefined || m.group_id === null)) {
    reject(delivery, SESSION_ID_MISSING);
    return;
  }
  if (fault?.kind === 'drop-connection') {
    if (fault.afterEnqueue) context.namespace.accept(target, messages);
    context.dropConnection();
    return;
  }
  context.namespace.accept(target, messages);
  settle(delivery, acceptedState(), context.faults.dispositionDelay);
}
