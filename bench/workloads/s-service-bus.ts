import { ServiceBusClient } from '@azure/service-bus';
import { Source } from 'tributary';
import { ServiceBusSink, defaultServiceBusRetryOptions } from 'tributary/sinks/service-bus';
import { ServiceBusTestBroker } from '../../test/support/service-bus-broker';
import { items, type Outcome, type Variant, type Workload } from '../lib/workload';
import { startBrokerThread } from './s-broker-thread';

/**
 * S: Service Bus sends against the project's AMQP test broker through the real `@azure/service-bus` client over
 * loopback: the batching `ServiceBusSink` vs one `sendMessages(message)` call per message, for 1 KB and 64 KB
 * messages. The broker runs on a worker thread of its own (as the service runs elsewhere); the `-same-thread`
 * variants run it on the client's thread, where its decoding takes turns with the client's encoding; the `-rtt1ms`
 * variants have it acknowledge each send 1 ms late, a stand-in for the round trip to a real namespace.
 */
export const MESSAGE_SIZES = { '1k': 1024, '64k': 64 * 1024 } as const;
export type MessageSize = keyof typeof MESSAGE_SIZES;
const QUEUE = 'bench';

interface Body {
  readonly id: number;
  readonly pad: string;
}

/** A body whose JSON encoding is `bytes` long (ids up to 7 digits). */
function bodyMaker(bytes: number): (id: number) => Body {
  const pad = 'x'.repeat(bytes - '{"id":1234567,"pad":""}'.length);
  return (id) => ({ id, pad });
}

interface Broker {
  readonly connectionString: string;
  stats(): Promise<{ readonly received: number; readonly transfers: number }>;
  stop(): Promise<void>;
}

async function sameThreadBroker(): Promise<Broker> {
  const broker = await ServiceBusTestBroker.start();
  broker.createQueue(QUEUE);
  return {
    connectionString: broker.connectionString,
    stats: async () => ({ received: broker.received(QUEUE).length, transfers: broker.transfers(QUEUE) }),
    stop: () => broker.stop(),
  };
}

type Send = (connectionString: string, n: number, body: (id: number) => Body) => Promise<Record<string, number>>;

const viaSink: Send = async (connectionString, n, body) => {
  const bus = ServiceBusSink.create<Body>({ connection: connectionString, entity: QUEUE, toMessage: (b) => ({ body: b, messageId: String(b.id) }) });
  const summary = await Source.from(items(n)).map((e) => body(e.id)).runWith(bus.sink());
  return { bytes: summary.bytes, fullBatches: summary.fullBatches.count, fullBytes: summary.fullBatches.bytes, fullCapacity: summary.fullBatches.capacity };
};

const onePerCall: Send = async (connectionString, n, body) => {
  const client = new ServiceBusClient(connectionString, { retryOptions: defaultServiceBusRetryOptions });
  const sender = client.createSender(QUEUE);
  for (const e of items(n)) await sender.sendMessages({ body: body(e.id), messageId: String(e.id) });
  await client.close();
  return {};
};

/** `thread`: the broker on a thread of its own, on the client's thread, or on its own answering each send 1 ms late. */
function variant(send: Send, size: MessageSize, thread: 'own' | 'same' | 'rtt1ms'): Variant {
  const body = bodyMaker(MESSAGE_SIZES[size]);
  return async (n): Promise<Outcome> => {
    const broker = thread === 'same' ? await sameThreadBroker() : await startBrokerThread(QUEUE, thread === 'rtt1ms' ? 1 : 0);
    try {
      // Timed from the first element to the last acknowledgement (connection set-up included, broker start-up not).
      const t0 = process.hrtime.bigint();
      const metrics = await send(broker.connectionString, n, body);
      const sendSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const { received, transfers } = await broker.stats();
      return { count: received, expected: n, metrics: { ...metrics, sendSeconds, batches: transfers, messageBytes: MESSAGE_SIZES[size] } };
    } finally {
      await broker.stop();
    }
  };
}

export const workloadS: Workload = {
  variants: {
    'tributary-batching-1k': variant(viaSink, '1k', 'own'),
    'sdk-per-message-1k': variant(onePerCall, '1k', 'own'),
    'tributary-batching-64k': variant(viaSink, '64k', 'own'),
    'sdk-per-message-64k': variant(onePerCall, '64k', 'own'),
    'tributary-batching-1k-same-thread': variant(viaSink, '1k', 'same'),
    'sdk-per-message-1k-same-thread': variant(onePerCall, '1k', 'same'),
    'tributary-batching-1k-rtt1ms': variant(viaSink, '1k', 'rtt1ms'),
    'sdk-per-message-1k-rtt1ms': variant(onePerCall, '1k', 'rtt1ms'),
  },
};
