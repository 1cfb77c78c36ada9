/**
 * Runs the SQL Server CDC → Service Bus job by hand against the project's test servers, without Docker: the TDS
 * test server with the CDC simulator (database `Sales`, table `dbo.Orders`, a change every second), the Service Bus
 * test broker (queue `dbo.Orders`, duplicate detection on) and Azurite, all on loopback. It prints the environment
 * for the job and one line per message the broker accepts; Ctrl-C stops it.
 *
 *   node -r ./test/support/ts-register.js test/examples/sqlserver-cdc-dev-servers.ts > /tmp/cdc-env
 *   # in another terminal, once the servers run:
 *   npm run build && (. /tmp/cdc-env && node dist/examples/sqlserver-cdc-to-servicebus/program.js)
 */
import { startAzurite } from '../support/azurite';
import { CdcSimulator } from '../support/cdc-simulator';
import { ServiceBusTestBroker } from '../support/service-bus-broker';
import { TdsTestServer } from '../support/tds';

async function main(): Promise<void> {
  const sim = new CdcSimulator({ database: 'Sales' });
  sim.createTable('dbo.Orders', [{ name: 'id', type: 'int' }, { name: 'total', type: 'decimal', precision: 18, scale: 2 }], ['id']);
  sim.enableTable('dbo.Orders');
  for (let id = 1; id <= 10; id++) sim.insert('dbo.Orders', { id, total: `${id}.00` });
  sim.runCaptureJob();
  const [tds, broker, azurite] = await Promise.all([TdsTestServer.start({ handler: sim.handler }), ServiceBusTestBroker.start(), startAzurite()]);
  broker.createQueue('dbo.Orders', { requiresDuplicateDetection: true });

  const env = {
    STREAMCONTEXT__SPEC: JSON.stringify({ database: 'Sales', tables: ['dbo.Orders'], checkpoint: { leaseDurationSeconds: 15 } }),
    STREAMCONTEXT__BACKFILL: 'false',
    STREAMCONTEXT__STREAM_ID: 'sales-orders',
    SQL_CONNECTION: `Server=127.0.0.1,${tds.port};Database=Sales;User Id=sa;Password=Tributary-Test-1!;Encrypt=false;TrustServerCertificate=true`,
    SERVICEBUS_CONNECTION: broker.connectionString,
    STORAGE_CONNECTION: azurite.connectionString,
  };
  process.stdout.write(Object.entries(env).map(([k, v]) => `export ${k}='${v}'\n`).join(''));
  process.stderr.write('test servers running: dbo.Orders changes every second; Ctrl-C stops\n');

  // Writers: an insert every second, every third second an update too, every fifth a delete.
  let next = 11;
  const writer = setInterval(() => {
    const id = next++;
    sim.transaction((tx) => {
      tx.insert('dbo.Orders', { id, total: `${id}.00` });
      if (id % 3 === 0) tx.update('dbo.Orders', { id: id - 1 }, { total: `${id * 10}.00` });
    });
    if (id % 5 === 0) sim.delete('dbo.Orders', { id: id - 4 });
  }, 1_000);
  // The broker's view: every message accepted (a duplicate dropped by detection is marked).
  let seen = 0;
  const reporter = setInterval(() => {
    const received = broker.received('dbo.Orders');
    for (const m of received.slice(seen)) process.stderr.write(`broker: ${m.messageId}${m.duplicate ? ' (duplicate, dropped)' : ''}\n`);
    seen = received.length;
  }, 200);

  process.once('SIGINT', () => {
    clearInterval(writer);
    clearInterval(reporter);
    void Promise.all([tds.stop(), broker.stop(), azurite.stop()]).then(() => process.exit(0));
  });
}

void main();
