/**
 * The Service Bus error taxonomy (sqlserver-cdc.md §6.4): which failures the sink and source retry with backoff,
 * which stop the stream at once, and the actionable text each fatal one carries.
 */
import { isServiceBusError } from '@azure/service-bus';

/** Codes retried with backoff: the service sheds load or is briefly unreachable. */
const RETRIED_CODES: ReadonlySet<string> = new Set(['ServiceBusy', 'ServiceTimeout', 'ServiceCommunicationProblem']);

/** Network failures the SDK reports as `GeneralError` (or raw system errors) and does not retry itself. */
const NETWORK_ERRNOS = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'];
const NETWORK_PATTERN = new RegExp(`\\b(${NETWORK_ERRNOS.join('|')})\\b`);

/** Codes that never get better by retrying: fail fast and tell the operator what to fix. */
const FATAL_CODES: ReadonlySet<string> = new Set([
  'MessageSizeExceeded',
  'QuotaExceeded',
  'MessagingEntityNotFound',
  'MessagingEntityDisabled',
  'UnauthorizedAccess',
]);

/** The Service Bus code of an error (`ServiceBusError.code`), a system errno, or `undefined`. */
export function serviceBusCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether a Service Bus operation that failed with `error` should be tried again after a backoff: `ServiceBusy`,
 * `ServiceTimeout`, `ServiceCommunicationProblem`, refused or reset connections (which the SDK does not retry),
 * and SDK errors it marks `retryable` — never the fatal codes (`MessageSizeExceeded`, `QuotaExceeded`,
 * `MessagingEntityNotFound`, `MessagingEntityDisabled`, `UnauthorizedAccess`).
 * @example if (isRetryableServiceBusError(e)) scheduleRetry(); else fail(e);
 */
export function isRetryableServiceBusError(error: unknown): boolean {
  const code = serviceBusCodeOf(error);
  if (code !== undefined && FATAL_CODES.has(code)) return false;
  if (code !== undefined && RETRIED_CODES.has(code)) return true;
  if (code !== undefined && NETWORK_ERRNOS.includes(code)) return true;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  if (NETWORK_PATTERN.test(message)) return true;
  return isServiceBusError(error) && (error as { retryable?: unknown }).retryable === true;
}

/** What the operator should do about a fatal Service Bus error on `entity` (`role`: send or receive). */
export function remedyFor(code: string | undefined, entity: string, namespace: string, role: 'send' | 'receive'): string {
  switch (code) {
    case 'MessageSizeExceeded':
      return `a message is larger than '${entity}' accepts: configure oversize: { claimCheck } or { divert } on the sink, shrink the message, or raise maxMessageSizeInKilobytes (Premium)`;
    case 'QuotaExceeded':
      return `'${entity}' is full or the namespace quota is exhausted: let consumers catch up, raise the entity's maxSizeInMegabytes, or enable partitioning`;
    case 'MessagingEntityNotFound':
      return `the queue/topic/subscription '${entity}' does not exist in ${namespace}: create it (ServiceBusSink.ensureEntities or your deployment) or fix the entity name`;
    case 'MessagingEntityDisabled':
      return `'${entity}' is disabled in ${namespace}: set its status back to Active (az servicebus queue|topic update --status Active)`;
    case 'UnauthorizedAccess':
      return role === 'send'
        ? `the credential may not send to '${entity}' in ${namespace}: use a SAS policy with the Send claim or the 'Azure Service Bus Data Sender' role`
        : `the credential may not receive from '${entity}' in ${namespace}: use a SAS policy with the Listen claim or the 'Azure Service Bus Data Receiver' role`;
    default:
      return `see the cause; check that ${namespace} is reachable and '${entity}' is configured as expected`;
  }
}

/**
 * A Service Bus operation failed for good: a fatal code, or a retryable one after the configured retries. The
 * message names the entity, the code and what to do; `transient` tells the host it may restart the job (exit
 * code 2) rather than treat the failure as fatal (exit 1).
 * @example new ServiceBusOperationError('send', 'orders', 'acme.servicebus.windows.net', err, 1, false)
 */
export class ServiceBusOperationError extends Error {
  override readonly name = 'ServiceBusOperationError';
  /** The SDK's code (`ServiceBusError.code`) or errno, when known. */
  readonly code: string | undefined;
  /** Whether a restart may cure it (retryable error whose retries ran out). */
  readonly transient: boolean;

  constructor(
    /** What failed: `send`, `receive`, `complete`… */
    readonly operation: string,
    /** The queue, topic or subscription path. */
    readonly entity: string,
    readonly namespace: string,
    cause: unknown,
    /** Attempts made, including the first. */
    readonly attempts: number,
    retriesExhausted: boolean,
  ) {
    const code = serviceBusCodeOf(cause);
    const detail = cause instanceof Error ? cause.message : String(cause);
    const role = operation === 'send' || operation === 'create batch' ? 'send' : 'receive';
    const what = retriesExhausted
      ? `still failing after ${attempts} attempts (${code ?? 'error'}: ${detail}); the service is throttling or unreachable — the job may be restarted`
      : `${code ?? 'error'}: ${detail} — ${remedyFor(code, entity, namespace, role)}`;
    super(`Service Bus ${operation} on '${entity}' (${namespace}) failed: ${what}`, { cause });
    this.code = code;
    this.transient = retriesExhausted;
  }
}
