/**
 * The request/response nodes of a connection: `$cbs` (put-token) and `<entity>/$management`. Requests arrive on a
 * link the client sends on; answers go out on the client's reply link named by `reply_to`, correlated by the
 * request's `message_id`.
 */
import type { EventContext, Message, Sender } from 'rhea';
import { putToken, type CbsContext } from './cbs';
import { acceptedState } from './codec';
import { handleManagement } from './management';
import type { MessageStore } from './message-store';
import type { ManagementRecord, PutTokenRecord } from './types';

/** The reply links of one connection, by their target address and by their name. */
export type ReplyLinks = Map<string, Sender>;

function reply(links: ReplyLinks, request: Message, applicationProperties: Record<string, unknown>, body: unknown): void {
  const replyTo = String(request.reply_to ?? '');
  const link = links.get(replyTo);
  if (link === undefined) return; // no reply link: nothing to answer on (the client times out, as with Service Bus)
  link.send({ to: replyTo, correlation_id: request.message_id, application_properties: applicationProperties, body } as Message);
}

function operationOf(request: Message): string {
  return String((request.application_properties as Record<string, unknown> | undefined)?.['operation'] ?? '');
}

/** Answers a put-token request; returns the entity path it authorized, if any. */
export function answerCbs(event: EventContext, links: ReplyLinks, context: CbsContext, log: PutTokenRecord[]): string | undefined {
  const request = event.message!;
  event.delivery!.update(true, acceptedState());
  const props = (request.application_properties ?? {}) as Record<string, unknown>;
  const result = putToken(request, context);
  log.push({ audience: String(props['name'] ?? ''), tokenType: String(props['type'] ?? ''), statusCode: result.statusCode });
  reply(links, request, { 'status-code': result.statusCode, 'status-description': result.description }, undefined);
  return result.entityPath;
}

/** Answers a `$management` request against `store` (undefined for a topic). */
export function answerManagement(event: EventContext, links: ReplyLinks, entity: string, store: MessageStore | undefined, log: ManagementRecord[]): void {
  const request = event.message!;
  event.delivery!.update(true, acceptedState());
  const response = handleManagement(request, store, entity);
  log.push({ entity, operation: operationOf(request), statusCode: response.statusCode });
  const props: Record<string, unknown> = { statusCode: response.statusCode, statusDescription: response.statusDescription };
  if (response.errorCondition !== undefined) props['errorCondition'] = response.errorCondition;
  reply(links, request, props, response.body ?? null);
}
