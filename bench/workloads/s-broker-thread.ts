/**
 * The Service Bus test broker on a worker thread of its own, so that its decoding runs beside the client's
 * encoding (as the service runs on its own machine) instead of taking turns with it on one thread. The main thread
 * talks to it by messages: `{ op: 'stats' }` → `{ received, transfers }`, `{ op: 'stop' }` → `{ stopped: true }`.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ServiceBusTestBroker } from '../../test/support/service-bus-broker';

interface Stats {
  readonly received: number;
  readonly transfers: number;
}

/** A broker running on its own thread with one queue. */
export interface ThreadedBroker {
  readonly connectionString: string;
  stats(): Promise<Stats>;
  stop(): Promise<void>;
}

type Reply = { readonly connectionString: string } | Stats | { readonly stopped: true };

/**
 * Starts the broker thread with queue `queue`; `dispositionDelayMs` holds every send's acknowledgement that long
 * (a stand-in for the network round trip to a real namespace). Works from the built JavaScript and from the
 * TypeScript sources (jest).
 */
export async function startBrokerThread(queue: string, dispositionDelayMs = 0): Promise<ThreadedBroker> {
  const js = path.join(__dirname, 's-broker-thread.js');
  const file = existsSync(js) ? js : path.join(__dirname, 's-broker-thread.ts');
  const execArgv = file.endsWith('.ts') ? ['-r', path.join(__dirname, '..', '..', 'test', 'support', 'ts-register.js')] : [];
  const worker = new Worker(file, { execArgv, workerData: { queue, dispositionDelayMs } });
  const replies: { resolve(reply: Reply): void; reject(error: unknown): void }[] = [];
  worker.on('message', (reply: Reply) => replies.shift()?.resolve(reply));
  worker.on('error', (error) => replies.shift()?.reject(error));
  const next = (): Promise<Reply> => new Promise<Reply>((resolve, reject) => replies.push({ resolve, reject }));
  const ask = (op: string): Promise<Reply> => {
    const reply = next();
    worker.postMessage({ op });
    return reply;
  };
  const { connectionString } = (await next()) as { connectionString: string };
  return {
    connectionString,
    stats: async () => (await ask('stats')) as Stats,
    stop: async () => {
      await ask('stop');
      await worker.terminate();
    },
  };
}

async function serve(): Promise<void> {
  const port = parentPort!;
  const { queue, dispositionDelayMs } = workerData as { queue: string; dispositionDelayMs: number };
  const broker = await ServiceBusTestBroker.start();
  broker.createQueue(queue);
  if (dispositionDelayMs > 0) broker.faults.delayDispositionsMs(dispositionDelayMs);
  port.on('message', (message: { op: string }) => {
    if (message.op === 'stats') port.postMessage({ received: broker.received(queue).length, transfers: broker.transfers(queue) });
    else if (message.op === 'stop') void broker.stop().then(() => port.postMessage({ stopped: true }));
  });
  port.postMessage({ connectionString: broker.connectionString });
}

if (!isMainThread && parentPort) void serve();
