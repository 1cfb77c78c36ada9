/**
 * Test harness of the SQL Server CDC source: a simulator behind the TDS test server (the real mssql driver
 * connects over loopback), a fake downstream sender with duplicate detection by message id (as Service Bus does
 * with `messageId`), and a pipeline source → batches → sender → committer like a production job's.
 */
import { Committer, DrainingControl, InMemoryCheckpointStore, type CheckpointStore, type RunnableGraph } from 'tributary';
import {
  SqlServerCdcSource,
  type CdcCheckpoint,
  type CdcControl,
  type CdcNotification,
  type ChangeEvent,
  type CdcConnection,
  type SqlServerCdcOptions,
} from 'tributary/sources/sql-server-cdc';
import { CdcSimulator, type CdcSimulatorOptions } from '../../support/cdc-simulator';
import { TdsTestServer } from '../../support/tds';
import { eventually as eventuallyWithin } from '../../support/eventually';

/**
 * `eventually` with a timeout for busy CI machines (the kill-loop test runs worker processes in parallel): the
 * condition is checked every few ms, so a generous limit costs nothing when things are fast.
 */
export function eventually(check: () => unknown, timeoutMs = 20_000): Promise<void> {
  return eventuallyWithin(check, timeoutMs);
}

/** A simulator and the TDS server in front of it. */
export interface CdcEnv {
  readonly sim: CdcSimulator;
  readonly server: TdsTestServer;
  readonly store: InMemoryCheckpointStore<CdcCheckpoint>;
  /** How the source connects (the TDS server's config). */
  readonly connection: CdcConnection;
  readonly database: string;
  stop(): Promise<void>;
}

/** What a pipeline needs to know about where it runs (the simulator, or a real server in the opt-in tier). */
export type PipelineEnv = Pick<CdcEnv, 'store' | 'connection' | 'database'>;

export async function startEnv(setup: (sim: CdcSimulator) => void, options: CdcSimulatorOptions = {}): Promise<CdcEnv> {
  const sim = new CdcSimulator({ database: 'Sales', ...options });
  setup(sim);
  sim.runCaptureJob(); // a live database: the capture job has scanned once (max LSN defined)
  const server = await TdsTestServer.start({ handler: sim.handler });
  return {
    sim,
    server,
    store: new InMemoryCheckpointStore<CdcCheckpoint>(),
    connection: server.connectionConfig('Sales'),
    database: 'Sales',
    stop: () => server.stop(),
  };
}

/** The checkpoint key the source uses against the simulator (server name SIMULATED-SQL). */
export const KEY = 'sqlserver-cdc/simulated-sql/Sales';

/**
 * The downstream: receives batches of events, drops repeated message ids (duplicate detection), can be told
 * to fail or to hold a batch.
 */
export class FakeSender {
  /** Every accepted batch, in order (duplicates removed). */
  readonly batches: ChangeEvent[][] = [];
  /** Events delivered downstream (first copy of each id), in order. */
  readonly delivered: ChangeEvent[] = [];
  private readonly ids = new Set<string>();
  duplicates = 0;
  calls = 0;
  /** Events over `maxMessageBytes` (as JSON): recorded here and skipped — the 'dead-letter' oversize policy. */
  readonly deadLettered: ChangeEvent[] = [];
  maxMessageBytes = Number.POSITIVE_INFINITY;
  /** Called before each batch is accepted; throw to reject it, or return a promise to hold it. */
  before: ((batch: readonly ChangeEvent[], call: number) => void | Promise<void>) | undefined;

  async send(batch: readonly ChangeEvent[]): Promise<void> {
    const call = ++this.calls;
    await this.before?.(batch, call);
    const fresh = batch.filter((e) => {
      if (Buffer.byteLength(JSON.stringify(e)) > this.maxMessageBytes) {
        if (!this.deadLettered.some((d) => d.id === e.id)) this.deadLettered.push(e);
        return false;
      }
      if (this.ids.has(e.id)) {
        this.duplicates++;
        return false;
      }
      this.ids.add(e.id);
      return true;
    });
    this.delivered.push(...fresh);
    if (fresh.length > 0) this.batches.push(fresh);
  }

  /** Delivered events whose id appears more than once (must stay empty). */
  repeatedIds(): string[] {
    const seen = new Set<string>();
    return this.delivered.filter((e) => (seen.has(e.id) ? true : (seen.add(e.id), false))).map((e) => e.id);
  }
}

/** A running pipeline. */
export interface CdcRun {
  readonly cdc: CdcControl;
  readonly control: DrainingControl<void>;
  readonly notifications: CdcNotification[];
}

export interface RunOptions {
  readonly sender: FakeSender;
  readonly store?: CheckpointStore<CdcCheckpoint>;
  /** Events per sender batch (default 10). */
  readonly batch?: number;
  /** Committer settings (default maxBatch 10, 10 ms). */
  readonly commit?: { readonly maxBatch?: number; readonly maxIntervalMs?: number };
  readonly source?: Partial<SqlServerCdcOptions>;
}

/** A pipeline not yet running (for `withLease`): its graph, and its source's control once it runs. */
export interface CdcPipeline {
  readonly graph: RunnableGraph<DrainingControl<void>>;
  readonly notifications: CdcNotification[];
  /** The source's control (set when the graph is materialized). */
  cdc(): CdcControl;
}

/** Builds source → groupedWithin(batch) → sender → committer against `env`. */
export function buildCdc(env: PipelineEnv, options: RunOptions): CdcPipeline {
  const notifications: CdcNotification[] = [];
  let control: CdcControl | undefined;
  const cdc = SqlServerCdcSource.create({
    connection: env.connection,
    database: env.database,
    tables: ['dbo.*'],
    checkpoints: options.store ?? env.store,
    pollIntervalMs: 5,
    maxPollIntervalMs: 20,
    idleCheckpointIntervalMs: 0,
    errorBackoff: { minMs: 5, maxMs: 50 },
    ...options.source,
    observer: { ...options.source?.observer, onNotification: (n) => notifications.push(n) },
  });
  const graph = cdc
    .asSource()
    .groupedWithin(options.batch ?? 10, 5)
    .mapAsync(1, async (pairs) => {
      await options.sender.send(pairs.map(([e]) => e));
      return pairs.map(([, o]) => o);
    })
    .mapConcat((offsets) => offsets)
    .toMat(Committer.sink(cdc.committable, { maxBatch: options.commit?.maxBatch ?? 10, maxIntervalMs: options.commit?.maxIntervalMs ?? 10 }), (c, done) => {
      control = c;
      return DrainingControl.create(c, done);
    });
  return {
    graph,
    notifications,
    cdc: () => {
      if (!control) throw new Error('the pipeline has not been materialized');
      return control;
    },
  };
}

/** Starts source → groupedWithin(batch) → sender → committer against `env`. */
export function runCdc(env: PipelineEnv, options: RunOptions): CdcRun {
  const pipeline = buildCdc(env, options);
  const control = pipeline.graph.run();
  control.streamCompletion.catch(() => undefined);
  return { cdc: pipeline.cdc(), control, notifications: pipeline.notifications };
}

/** The stored checkpoint document. */
export async function checkpointOf(env: CdcEnv, store: CheckpointStore<CdcCheckpoint> = env.store): Promise<CdcCheckpoint | undefined> {
  return (await store.load(KEY))?.value;
}

/** Events of one table, in delivery order. */
export const ofTable = (events: readonly ChangeEvent[], table: string): ChangeEvent[] =>
  events.filter((e) => `${e.source.schema}.${e.source.table}` === table);

/** A table with an int key and a few typed columns. */
export function ordersTable(sim: CdcSimulator, name = 'dbo.Orders'): void {
  sim.createTable(
    name,
    [
      { name: 'id', type: 'int' },
      { name: 'customer', type: 'nvarchar', length: 100 },
      { name: 'total', type: 'decimal', precision: 18, scale: 2 },
    ],
    ['id'],
  );
  sim.enableTable(name);
}
