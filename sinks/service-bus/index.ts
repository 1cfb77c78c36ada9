/**
 * `tributary/sinks/service-bus`: a batching, acknowledging Azure Service Bus sink (see docs/service-bus.md).
 * @packageDocumentation
 */
export { ServiceBusSink } from './service-bus-sink';
export { ServiceBusOversizeError, type ServiceBusSinkSummary } from './sink-logic';
export {
  defaultToMessage,
  type ServiceBusSinkOptions,
  type ServiceBusRetryOptions,
  type ServiceBusSinkMetrics,
  type OversizePolicy,
  type OversizeMessage,
  type ClaimCheckOptions,
} from './options';
export { CLAIM_CHECK_PROPERTY, resolveClaimCheck, type ClaimCheckReference } from './claim-check';
export { ensureServiceBusEntities, type ServiceBusEntitySpec, type EnsureEntitiesResult } from './entities';
export {
  createServiceBusClient,
  defaultServiceBusRetryOptions,
  type ServiceBusConnection,
  type ServiceBusCredential,
} from '../../azure/service-bus/connection';
export { ServiceBusOperationError, isRetryableServiceBusError } from '../../azure/service-bus/errors';
