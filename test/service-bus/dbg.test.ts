import { ServiceBusClient } from '@azure/service-bus';
import { ServiceBusTestBroker } from '../support/service-bus-broker';
test('volume', async () => {
  const t0 = Date.now();
  const broker = await ServiceBusTestBroker.start();
  console.log('start ms', Date.now() - t0);
  broker.createQueue('q');
  const c = new ServiceBusClient(broker.connectionString);
  const sender = c.createSender('q');
  const body = 'x'.repeat(1000);
  let t = Date.now();
  let sent = 0;
  while (sent < 20000) {
    const batch = await sender.createMessageBatch();
    while (sent < 20000 && batch.tryAddMessage({ body, messageId: `m${sent}` })) sent++;
    await sender.sendMessages(batch);
  }
  console.log('batched 20k 1KB', Date.now() - t, 'ms', broker.transfers('q'), 'transfers');
  t = Date.now();
  for (let i = 0; i < 500; i++) await sender.sendMessages({ body, messageId: `s${i}` });
  console.log('single 500', Date.now() - t, 'ms');
  t = Date.now();
  return;
  const receiver = c.createReceiver('q');
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    receiver.subscribe({ processMessage: async () => { if (++n === 20500) resolve(); }, processError: async (e) => reject(e.error) }, { maxConcurrentCalls: 50 });
  });
  console.log('received+completed 20.5k', Date.now() - t, 'ms');
  await receiver.close();
  await new Promise((r) => setTimeout(r, 200));
  console.log('depth', broker.queueDepth('q'), broker.locked('q'));
  await c.close(); await broker.stop();
}, 120000);
