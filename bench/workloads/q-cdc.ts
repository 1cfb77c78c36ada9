import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Committer, DrainingControl, FileCheckpointStore } from 'tributary';
import { SqlServerCdcSource, type CdcCheckpoint } from 'tributary/sources/sql-server-cdc';
import { CdcSimulator } from '../../test/support/cdc-simulator';
import { TdsTestServer } from '../../test/support/tds';
import type { Variant, Workload } from '../lib/workload';

/**
 * Q: the SQL Server CDC source end to end: n inserts (transactions of 100 rows) in the CDC simulator, read over
 * TDS by the real mssql driver, decoded, paired, turned into events, counted by a sink, with offsets committed
 * to a FileCheckpointStore (every 1 000 offsets or 100 ms). The simulator and TDS server run in the same process
 * (their encoding cost is included). `rowsPerSec` times only the streaming, not the setup; in heap mode the live
 * heap right after the setup is recorded, so the report can show what streaming added on top of it.
 */
const TX_ROWS = 100;

/** Live heap in MB after a full GC, when `--expose-gc` is on. */
function liveHeapMB(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function simulatorWith(n: number): CdcSimulator {
  const sim = new CdcSimulator({ database: 'Bench' });
  sim.createTable(
    'dbo.Orders',
    [
      { name: 'id', type: 'int' },
      { name: 'customer', type: 'nvarchar', length: 100 },
      { name: 'total', type: 'decimal', precision: 18, scale: 2 },
      { name: 'placed', type: 'datetime2', scale: 7 },
    ],
    ['id'],
  );
  sim.enableTable('dbo.Orders');
  sim.runCaptureJob();
  for (let i = 0; i < n; i += TX_ROWS) {
    const rows = [];
    for (let j = i; j < Math.min(n, i + TX_ROWS); j++) rows.push({ id: j, customer: `customer ${j % 997}`, total: `${j}.25`, placed: '2024-05-01T10:00:00.1234567' });
    sim.insert('dbo.Orders', rows);
  }
  return sim;
}

const pageVariant =
  (pageSize: number): Variant =>
  async (n) => {
    const sim = simulatorWith(n);
    const server = await TdsTestServer.start({ handler: sim.handler, requestLogCapacity: 1 });
    const directory = mkdtempSync(path.join(tmpdir(), 'bench-q-'));
    try {
      const heapAfterSetup = liveHeapMB();
      let count = 0;
      let reached!: () => void;
      const all = new Promise<void>((resolve) => (reached = resolve));
      const cdc = SqlServerCdcSource.create({
        connection: server.connectionConfig('Bench'),
        database: 'Bench',
        tables: ['dbo.Orders'],
        checkpoints: new FileCheckpointStore<CdcCheckpoint>({ directory }),
        startFrom: 'retained',
        pageSize,
        pollIntervalMs: 1,
        maxPollIntervalMs: 10,
      });
      const t0 = process.hrtime.bigint();
      const control = cdc
        .map((event) => {
          if (++count === n) reached();
          return event;
        })
        .toMat(Committer.sinkWithContext(cdc.committable, { maxBatch: 1_000, maxIntervalMs: 100 }), DrainingControl.create)
        .run();
      await Promise.race([all, control.streamCompletion]);
      await control.drainAndShutdown();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const metrics: Record<string, number> = { rowsPerSec: n / seconds, pageSize };
      if (heapAfterSetup !== undefined) metrics['heapAfterSetupMB'] = heapAfterSetup;
      return { count, expected: n, metrics };
    } finally {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  };

export const workloadQ: Workload = {
  variants: {
    'tributary-page-100': pageVariant(100),
    'tributary-page-1000': pageVariant(1_000),
    'tributary-page-5000': pageVariant(5_000),
  },
};
