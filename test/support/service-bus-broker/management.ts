/**
 * The `<entity>/$management` node: request/response operations the SDK sends as AMQP messages (renew-lock,
 * peek-message, renew-session-lock, get/set-session-state, update-disposition). Others answer 501, which the SDK
 * raises as `NotImplementedError`.
 */
import { message as amqpMessage, type Message } from 'rhea';
import { lockTokenOfUuid, numberOfLong } from './codec';
import type { MessageStore, Settlement } from './message-store';
import type { BrokerError } from './types';

/** A `$management` response: status, and a body map on success. */
export interface ManagementResponse {
  readonly statusCode: number;
  readonly statusDescription: string;
  readonly errorCondition?: string;
  readonly body?: Record<string, unknown>;
}

const ok = (body?: Record<string, unknown>): ManagementResponse => ({ statusCode: 200, statusDescription: 'OK', body });

function failure(error: BrokerError): ManagementResponse {
  const statusCode = error.condition.endsWith('lock-lost') ? 410 : error.condition === 'amqp:not-found' ? 404 : 400;
  return { statusCode, statusDescription: error.description, errorCondition: error.condition };
}

function field(body: Record<string, unknown>, name: string, operation: string): unknown {
  if (!(name in body)) throw new Error(`${operation}: request body has no '${name}'`);
  return body[name];
}

function lockTokens(body: Record<string, unknown>, operation: string): string[] {
  const tokens = field(body, 'lock-tokens', operation);
  if (!Array.isArray(tokens)) throw new Error(`${operation}: 'lock-tokens' must be an array of uuids`);
  return tokens.map(lockTokenOfUuid);
}

function settlementOf(body: Record<string, unknown>): Settlement {
  const status = String(field(body, 'disposition-status', 'update-disposition'));
  const propertiesToModify = body['properties-to-modify'] as Record<string, unknown> | undefined;
  switch (status) {
    case 'completed':
      return { kind: 'complete' };
    case 'abandoned':
      return { kind: 'abandon', propertiesToModify };
    case 'defered':
      return { kind: 'defer', propertiesToModify };
    case 'suspended':
      return {
        kind: 'deadLetter',
        reason: body['deadletter-reason'] as string | undefined,
        description: body['deadletter-description'] as string | undefined,
        propertiesToModify,
      };
    default:
      throw new Error(`update-disposition: unknown disposition-status '${status}'`);
  }
}

/** Answers one `$management` request against `store` (undefined when the entity is a topic). */
export function handleManagement(request: Message, store: MessageStore | undefined, entity: string): ManagementResponse {
  const operation = String((request.application_properties as Record<string, unknown> | undefined)?.['operation'] ?? '');
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
  const supported = [
    'com.microsoft:renew-lock', 'com.microsoft:peek-message', 'com.microsoft:renew-session-lock',
    'com.microsoft:get-session-state', 'com.microsoft:set-session-state', 'com.microsoft:update-disposition',
  ];
  if (!supported.includes(operation)) {
    return { statusCode: 501, statusDescription: `The test broker does not implement '${operation}'.`, errorCondition: 'amqp:not-implemented' };
  }
  if (store === undefined) {
    return failure({ condition: 'amqp:not-found', description: `'${operation}' needs a queue or subscription; '${entity}' is not one.` });
  }
  try {
    switch (operation) {
      case 'com.microsoft:renew-lock': {
        const expirations: Date[] = [];
        for (const token of lockTokens(body, operation)) {
          const renewed = store.renewLock(token);
          if (typeof renewed !== 'number') return failure(renewed);
          expirations.push(new Date(renewed));
        }
        return ok({ expirations });
      }
      case 'com.microsoft:peek-message': {
        const from = numberOfLong(field(body, 'from-sequence-number', operation));
        const count = Number(field(body, 'message-count', operation));
        const sessionId = body['session-id'] === undefined || body['session-id'] === null ? undefined : String(body['session-id']);
        const peeked = store.peek(from, count, sessionId);
        if (peeked.length === 0) return { statusCode: 204, statusDescription: 'No Content' };
        const messages = peeked.map((m) => ({ message: amqpMessage.encode(store.outgoing(m, m.deliveryCount, m.lock?.until)) }));
        return ok({ messages });
      }
      case 'com.microsoft:renew-session-lock': {
        const renewed = store.renewSessionLock(String(field(body, 'session-id', operation)), undefined);
        return typeof renewed === 'number' ? ok({ expiration: new Date(renewed) }) : failure(renewed);
      }
      case 'com.microsoft:get-session-state': {
        const sessionId = String(field(body, 'session-id', operation));
        return ok({ 'session-state': store.getSessionState(sessionId) ?? null });
      }
      case 'com.microsoft:set-session-state': {
        const sessionId = String(field(body, 'session-id', operation));
        const state = body['session-state'];
        store.setSessionState(sessionId, Buffer.isBuffer(state) ? state : undefined);
        return ok();
      }
      default: {
        const settlement = settlementOf(body);
        for (const token of lockTokens(body, operation)) {
          const error = store.settle(token, settlement);
          if (error !== undefined) return failure(error);
        }
        return ok();
      }
    }
  } catch (e) {
    return failure({ condition: 'com.microsoft:argument-error', description: (e as Error).message });
  }
}
