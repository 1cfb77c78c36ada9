/**
 * `tributary/sources/service-bus`: a peek-lock Azure Service Bus source whose messages are completed by the
 * committer (see docs/service-bus.md).
 * @packageDocumentation
 */
export { ServiceBusSource, type MapOrDeadLetterOptions, type ServiceBusSourceControl } from './service-bus-source';
export { ServiceBusSettlement, type SettlementOutcome, type SettlementStats } from './settlement';
export type { ServiceBusSourceOptions, ServiceBusSessionOptions, ServiceBusSourceMetrics } from './options';
export {
  createServiceBusClient,
  defaultServiceBusRetryOptions,
  type ServiceBusConnection,
  type ServiceBusCredential,
} from '../../azure/service-bus/connection';
export { ServiceBusOperationError, isRetryableServiceBusError } from '../../azure/service-bus/errors';
export { resolveClaimCheck, CLAIM_CHECK_PROPERTY } from '../../sinks/service-bus/claim-check';
