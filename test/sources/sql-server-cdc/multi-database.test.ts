import { InMemoryCheckpointStore } from 'tributary';
import { CdcCaptureInstanceError, type CdcCheckpoint } from 'tributary/sources/sql-server-cdc';
import { CdcSimulator } from '../../support/cdc-simulator';
import { TdsTestServer } from '../../support/tds';
import { eventually, FakeSender, ordersTable, runCdc } from './harness';

// Acceptance test 21 of the research brief §8: two databases on one server, one source each.
describe('SQL Server CDC source: several databases', () => {
  it('§8.21 two databases have independent checkpoints, and a failure in one does not stop the other', async () => {
    const sales = new CdcSimulator({ database: 'Sales' });
    const billing = new CdcSimulator({ database: 'Billing' });
    for (const sim of [sales, billing]) {
      ordersTable(sim);
      sim.runCaptureJob();
    }
    const server = await TdsTestServer.start({ handler: (req) => (req.database === 'Billing' ? billing : sales).handler(req) });
    try {
      const store = new InMemoryCheckpointStore<CdcCheckpoint>(); // one store, one document per database
      const env = (database: string) => ({ store, connection: server.connectionConfig(database), database });
      const toSales = new FakeSender();
      const toBilling = new FakeSender();
      const a = runCdc(env('Sales'), { sender: toSales, source: { startFrom: 'now' } });
      const b = runCdc(env('Billing'), { sender: toBilling, source: { startFrom: 'now' } });
      const [startA, startB] = await Promise.all([a.cdc.started, b.cdc.started]);
      expect([startA.checkpointKey, startB.checkpointKey]).toEqual(['sqlserver-cdc/simulated-sql/Sales', 'sqlserver-cdc/simulated-sql/Billing']);
      sales.insert('dbo.Orders', { id: 1 });
      billing.insert('dbo.Orders', { id: 100 });
      await eventually(() => expect([toSales.delivered.length, toBilling.delivered.length]).toEqual([1, 1]));

      billing.revokeAccess('dbo_Orders'); // Billing fails …
      billing.insert('dbo.Orders', { id: 101 });
      const error = await b.control.streamCompletion.catch((e: unknown) => e);
      expect((error as { cause?: unknown }).cause).toBeInstanceOf(CdcCaptureInstanceError);
      sales.insert('dbo.Orders', { id: 2 }); // … Sales goes on
      await eventually(() => expect(toSales.delivered.map((e) => e.after?.['id'])).toEqual([1, 2]));
      await a.control.drainAndShutdown();
      expect(toSales.delivered.every((e) => e.source.database === 'Sales' && e.id.startsWith('Sales:'))).toBe(true);
      expect(toBilling.delivered.map((e) => e.id)).toEqual([expect.stringMatching(/^Billing:dbo_Orders:/)]);
      expect((await store.load('sqlserver-cdc/simulated-sql/Billing'))?.value.database).toBe('Billing');
    } finally {
      await server.stop();
    }
  });
});
