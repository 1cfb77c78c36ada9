import { createServer, type Server, type Socket } from 'node:net';
import { RingBuffer } from '../../../src/core/ring-buffer';
import type { SqlHandler, SqlRequest, TdsServerStats } from './api';
import { TdsConnection, type ConnectionHost } from './connection';
import type { TransactionEvent } from './session-state';
import { TdsFaults } from './faults';

/** Options of {@link TdsTestServer.start}. */
export interface TdsTestServerOptions {
  /** Answers every SQL batch / RPC that is not a session statement. */
  readonly handler: SqlHandler;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Database a login without one lands in (default 'master'). */
  readonly database?: string;
  /** When given, logins to / USE of other databases fail (4060 / 911). Default: any database is accepted. */
  readonly databases?: readonly string[];
  /** Accepted credentials (default 'sa' / 'Tributary-Test-1!'). Anything else fails with 18456. */
  readonly user?: string;
  readonly password?: string;
  /** Server name reported in ERROR/INFO tokens (default 'tds-test-server'). */
  readonly serverName?: string;
  /** How many requests `requests` keeps (oldest dropped first; default 100 000). */
  readonly requestLogCapacity?: number;
}

/** The mssql config that reaches a {@link TdsTestServer} (plain TCP: the server never negotiates TLS). */
export interface TdsConnectionConfig {
  server: string;
  port: number;
  user: string;
  password: string;
  database: string;
  options: { encrypt: boolean; trustServerCertificate: boolean };
}

/**
 * A TDS 7.4 server on loopback that the real `mssql`/tedious client connects to. It speaks the protocol only:
 * every request is handed to a pluggable {@link SqlHandler} (e.g. the CDC simulator). See
 * docs/testing-sql-server.md for what it implements and what it does not (no TLS, no MARS, no SSPI).
 *
 * @example
 * const server = await TdsTestServer.start({
 *   handler: (req) => ({ resultSets: [{ columns: [{ name: 'x', type: 'int' }], rows: [[1]] }] }),
 * });
 * const pool = await new sql.ConnectionPool(server.connectionConfig('Sales')).connect();
 * const result = await pool.request().query('SELECT 1 AS x'); // result.recordset → [{ x: 1 }]
 * server.requests.at(-1)?.sql; // 'SELECT 1 AS x'
 * await pool.close();
 * await server.stop();
 */
export class TdsTestServer {
  /** Fault injection: login failures, injected errors, dropped sockets, slow replies, closing everything. */
  readonly faults: TdsFaults;
  private readonly connections = new Set<TdsConnection>();
  private readonly sockets = new Set<Socket>();
  private readonly log: RingBuffer<SqlRequest>;
  private readonly transactions: TransactionEvent[] = [];
  private droppedRequests = 0;
  private nextSpid = 51;
  private nextDescriptor = 1n;
  private handler: SqlHandler;
  private readonly counters: TdsServerStats = { packetsSent: 0, rowsSent: 0, drainWaits: 0, responsesBlocked: 0, logins: 0, failedLogins: 0 };

  private constructor(
    private readonly server: Server,
    private readonly options: TdsTestServerOptions,
  ) {
    this.handler = options.handler;
    this.log = new RingBuffer<SqlRequest>(options.requestLogCapacity ?? 100_000);
    this.faults = new TdsFaults(() => {
      for (const c of this.connections) c.destroy();
    });
  }

  /** Starts listening on 127.0.0.1 (port 0 by default) and resolves once the port is bound. */
  static async start(options: TdsTestServerOptions): Promise<TdsTestServer> {
    const server = createServer();
    const instance = new TdsTestServer(server, options);
    server.on('connection', (socket) => instance.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return instance;
  }

  /** The bound TCP port. */
  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('TdsTestServer is not listening');
    return address.port;
  }

  /** Replaces the handler (takes effect for the next request). */
  setHandler(handler: SqlHandler): void {
    this.handler = handler;
  }

  /**
   * An mssql `config` for this server and `database` (default: the server's default database).
   * Spread your own pool/request options over it: `{ ...server.connectionConfig('Sales'), pool: { max: 2 } }`.
   */
  connectionConfig(database?: string): TdsConnectionConfig {
    return {
      server: '127.0.0.1',
      port: this.port,
      user: this.options.user ?? 'sa',
      password: this.options.password ?? 'Tributary-Test-1!',
      database: database ?? this.options.database ?? 'master',
      options: { encrypt: false, trustServerCertificate: true },
    };
  }

  /** Every request received, oldest first (bounded by `requestLogCapacity`; see `droppedRequestCount`). */
  get requests(): readonly SqlRequest[] {
    const out: SqlRequest[] = [];
    for (let i = 0; i < this.log.size; i++) out.push(this.log.at(i));
    return out;
  }

  /** Requests evicted from `requests` because the log was full. */
  get droppedRequestCount(): number {
    return this.droppedRequests;
  }

  /** Requests the handler answered (session statements and injected faults excluded). */
  get handledRequests(): readonly SqlRequest[] {
    return this.requests.filter((r) => r.answeredBy === 'handler');
  }

  /** BEGIN / COMMIT / ROLLBACK / SAVE events, by transaction manager request or batch. */
  get transactionLog(): readonly TransactionEvent[] {
    return this.transactions;
  }

  /** Packets, rows and backpressure counters since start (a snapshot). */
  get stats(): Readonly<TdsServerStats> {
    return { ...this.counters };
  }

  /** Open client connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Forgets logged requests and transaction events (faults are reset with `faults.reset()`). */
  clearLogs(): void {
    this.log.clear();
    this.transactions.length = 0;
    this.droppedRequests = 0;
  }

  /** Stops listening and destroys every open connection. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const host: ConnectionHost = {
      serverName: this.options.serverName ?? 'tds-test-server',
      defaultDatabase: this.options.database ?? 'master',
      user: this.options.user ?? 'sa',
      password: this.options.password ?? 'Tributary-Test-1!',
      databases: this.options.databases,
      faults: this.faults,
      handler: (req) => this.handler(req),
      stats: this.counters,
      logRequest: (req) => {
        if (this.log.isFull) {
          this.log.shift();
          this.droppedRequests++;
        }
        this.log.push(req);
      },
      logTransaction: (event) => {
        if (this.transactions.length >= 10_000) this.transactions.shift();
        this.transactions.push(event);
      },
      nextTransactionDescriptor: () => {
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(this.nextDescriptor++);
        return b;
      },
      onClosed: (connection) => this.connections.delete(connection),
    };
    this.connections.add(new TdsConnection(socket, this.nextSpid++, host));
  }
}
