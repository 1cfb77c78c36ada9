/**
 * A Service Bus–compatible AMQP 1.0 test broker the real `@azure/service-bus` client talks to over loopback.
 * See docs/testing-service-bus.md.
 * @example
 * const broker = await ServiceBusTestBroker.start();
 * broker.createQueue('orders');
 * const client = new ServiceBusClient(broker.connectionString);
 */
export { ServiceBusTestBroker } from './broker';
export { BrokerFaults, type SendFault } from './faults';
export type {
  AttachRecord, BrokerError, BrokerOptions, InjectedMessage, ManagementRecord, PutTokenRecord, QueueOptions, ReceivedMessage,
  StoredMessageView, SubscriptionOptions, TopicOptions,
} from './types';
