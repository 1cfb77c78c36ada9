import type { Socket } from 'node:net';
import type { SessionInfo, SqlErrorSpec, SqlHandler, SqlRequest, SqlResponse, TdsServerStats } from './api';
import { injectedError, type TdsFaults } from './faults';
import { parseLogin7, type Login7 } from './login7';
import { MessageAssembler, PacketWriter, ResponseAborted, type ClientMessage } from './packets';
import { buildPreloginReply, Encryption, parsePrelogin } from './prelogin';
import { DoneStatus, EnvChangeType, PacketStatus, PacketType, Token } from './protocol';
import { parseRpc, parseSqlBatch, parseTransactionManager, type ParsedRpc } from './requests';
import { finishCancelled, finishMessage, HANDLER_ERROR, writeResponse, type ResponseContext } from './response-writer';
import { SessionState, type SessionHost } from './session-state';
import { classifySessionStatement } from './session-statements';
import { writeDone, writeEnvChangeCollation, writeEnvChangeText, writeLoginAck, writeMessage, writeSqlError } from './tokens';
import { TdsProtocolError, TdsWriter } from './wire';

/** What a connection needs from its server. */
export interface ConnectionHost extends SessionHost {
  readonly serverName: string;
  readonly defaultDatabase: string;
  readonly user: string;
  readonly password: string;
  readonly faults: TdsFaults;
  readonly handler: SqlHandler;
  readonly stats: TdsServerStats;
  logRequest(req: SqlRequest): void;
  onClosed(connection: TdsConnection): void;
}

interface InFlight {
  attention: boolean;
  readonly aborted: Promise<'attention'>;
  wake(): void;
}

const DEFAULT_PACKET_SIZE = 4096;
/** LOGIN7 TDSVersion of TDS 7.2, the first with ALL_HEADERS and 8-byte DONE row counts (which this server writes). */
const TDS_VERSION_7_2 = 0x72090002;
const MAX_QUEUED_MESSAGES = 16;

/**
 * One client connection: PRELOGIN → LOGIN7 → requests, one at a time (no MARS), with ATTENTION handled out
 * of band. Every SQL batch / RPC becomes a {@link SqlRequest} for the handler unless it is a session statement
 * or a fault answers it.
 *
 * @example
 * server.on('connection', (socket) => new TdsConnection(socket, nextSpid++, host));
 */
export class TdsConnection {
  private readonly assembler = new MessageAssembler();
  private readonly queue: ClientMessage[] = [];
  private readonly state: SessionState;
  private busy = false;
  private phase: 'prelogin' | 'login' | 'ready' | 'closed' = 'prelogin';
  private login: Login7 | undefined;
  private packetSize = DEFAULT_PACKET_SIZE;
  private requestCount = 0;
  private clientRequestedEncryption = false;
  private inFlight: InFlight | undefined;

  constructor(
    private readonly socket: Socket,
    readonly spid: number,
    private readonly host: ConnectionHost,
  ) {
    this.state = new SessionState(spid, host.defaultDatabase, host);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.phase = 'closed';
      this.inFlight?.wake();
      host.onClosed(this);
    });
  }

  /** The session as a request snapshot sees it. */
  session(): SessionInfo {
    return {
      id: this.spid,
      user: this.login?.userName ?? '',
      appName: this.login?.appName ?? '',
      hostName: this.login?.hostName ?? '',
      database: this.state.database,
      packetSize: this.packetSize,
      clientRequestedEncryption: this.clientRequestedEncryption,
      isolationLevel: this.state.isolationLevel,
      transaction: this.state.transactionInfo(),
      requestCount: this.requestCount,
    };
  }

  /** Destroys the socket (fault injection, server stop). */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let messages: ClientMessage[];
    try {
      messages = this.assembler.push(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const message of messages) {
      if (message.type === PacketType.ATTENTION) {
        this.onAttention();
        continue;
      }
      if (this.queue.length >= MAX_QUEUED_MESSAGES) {
        this.fail(new TdsProtocolError(`more than ${MAX_QUEUED_MESSAGES} requests queued: the client is not waiting for responses`));
        return;
      }
      this.queue.push(message);
    }
    void this.pump();
  }

  private onAttention(): void {
    if (this.inFlight !== undefined) {
      this.inFlight.attention = true;
      this.inFlight.wake();
    } else if (this.phase === 'ready') {
      this.sendAttentionAck();
    }
  }

  /** DONE with the ATTN bit, in a message of its own (tedious reads it after the cancelled response's EOM). */
  private sendAttentionAck(): void {
    if (this.socket.destroyed) return;
    const w = new TdsWriter(16);
    writeDone(w, Token.DONE, DoneStatus.ATTN, 0, 0);
    this.send(w, this.packetSize);
  }

  private send(w: TdsWriter, packetSize: number, spid = this.spid): void {
    const out = new PacketWriter(this.socket, packetSize, spid, this.host.stats);
    out.write(w.view());
    out.end();
  }

  private fail(err: unknown): void {
    // A protocol violation: real SQL Server drops the connection too. Surface it on stderr for the test author.
    process.stderr.write(`TDS test server (spid ${this.spid}): closing connection: ${err instanceof Error ? err.message : String(err)}\n`);
    this.socket.destroy();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0 && this.phase !== 'closed') {
        await this.serve(this.queue.shift() as ClientMessage);
      }
    } catch (err) {
      if (!(err instanceof ResponseAborted)) this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  private async serve(message: ClientMessage): Promise<void> {
    if (message.type === PacketType.PRELOGIN && this.phase === 'prelogin') {
      this.clientRequestedEncryption = parsePrelogin(message.payload).encryption !== Encryption.NOT_SUP;
      const w = new TdsWriter(64).bytes(buildPreloginReply(this.spid));
      this.send(w, DEFAULT_PACKET_SIZE, 0);
      this.phase = 'login';
      return;
    }
    if (message.type === PacketType.LOGIN7 && (this.phase === 'login' || this.phase === 'prelogin')) {
      this.handleLogin(message);
      return;
    }
    if (this.phase !== 'ready') {
      throw new TdsProtocolError(`message type 0x${message.type.toString(16)} before login completed (phase ${this.phase})`);
    }
    let wake = (): void => undefined;
    const aborted = new Promise<'attention'>((resolve) => {
      wake = () => resolve('attention');
    });
    const inFlight: InFlight = { attention: false, aborted, wake: () => wake() };
    this.inFlight = inFlight;
    try {
      await this.respond(message, inFlight);
    } finally {
      this.inFlight = undefined;
      this.requestCount++;
      if (inFlight.attention) this.sendAttentionAck();
    }
  }

  private loginError(login: Login7, database: string): SqlErrorSpec | undefined {
    const context = { user: login.userName, database, spid: this.spid };
    const injected = this.host.faults.takeLoginFailure();
    if (injected !== undefined) return injectedError(injected, context);
    if (login.tdsVersion < TDS_VERSION_7_2) {
      const message = `Login failed. The TDS test server speaks TDS 7.2+ only; the client sent 0x${login.tdsVersion.toString(16)}.`;
      return injectedError(18456, context, { message });
    }
    if (login.integratedSecurity) {
      return injectedError(18456, context, { message: 'Login failed. Integrated authentication is not supported by the TDS test server.' });
    }
    if (login.userName !== this.host.user || login.password !== this.host.password) return injectedError(18456, context);
    if (this.host.databases !== undefined && !this.host.databases.includes(database)) return injectedError(4060, context);
    return undefined;
  }

  private handleLogin(message: ClientMessage): void {
    const login = parseLogin7(message.payload);
    const database = login.database === '' ? this.host.defaultDatabase : login.database;
    const error = this.loginError(login, database);
    const w = new TdsWriter(512);
    this.host.stats.logins++;
    if (error !== undefined) {
      this.host.stats.failedLogins++;
      writeSqlError(w, error, this.host.serverName);
      writeDone(w, Token.DONE, DoneStatus.ERROR, 0, 0);
      this.send(w, DEFAULT_PACKET_SIZE);
      this.socket.end();
      return;
    }
    this.login = login;
    this.state.loggedInTo(database);
    this.packetSize = Math.min(32767, Math.max(512, login.packetSize || DEFAULT_PACKET_SIZE));
    writeEnvChangeText(w, EnvChangeType.DATABASE, database, 'master');
    writeMessage(w, Token.INFO, {
      number: 5701,
      state: 2,
      severity: 0,
      message: `Changed database context to '${database}'.`,
      serverName: this.host.serverName,
      procedure: '',
      line: 1,
    });
    writeEnvChangeCollation(w);
    writeEnvChangeText(w, EnvChangeType.LANGUAGE, 'us_english', '');
    writeLoginAck(w);
    writeEnvChangeText(w, EnvChangeType.PACKET_SIZE, String(this.packetSize), String(DEFAULT_PACKET_SIZE));
    writeDone(w, Token.DONE, DoneStatus.FINAL, 0, 0);
    this.send(w, DEFAULT_PACKET_SIZE);
    this.phase = 'ready';
  }

  private async respond(message: ClientMessage, inFlight: InFlight): Promise<void> {
    const ctx: ResponseContext = {
      socket: this.socket,
      out: new PacketWriter(this.socket, this.packetSize, this.spid, this.host.stats),
      w: new TdsWriter(1024),
      stats: this.host.stats,
      serverName: this.host.serverName,
      cancellation: inFlight,
      inTransaction: () => this.state.inTransaction,
    };
    const { w } = ctx;
    if ((message.status & PacketStatus.RESET_CONNECTION) !== 0) this.state.reset(w);
    if (message.ignored) {
      writeDone(w, Token.DONE, DoneStatus.FINAL, 0, 0);
      return finishMessage(ctx);
    }
    if (message.type === PacketType.TRANSACTION_MANAGER) {
      const error = this.state.transactionManager(parseTransactionManager(message.payload), w);
      if (error !== undefined) writeSqlError(w, error, this.host.serverName);
      const status = (error !== undefined ? DoneStatus.ERROR : 0) | (this.state.inTransaction ? DoneStatus.INXACT : 0);
      writeDone(w, Token.DONE, DoneStatus.FINAL | status, 0, 0);
      return finishMessage(ctx);
    }
    if (message.type !== PacketType.SQL_BATCH && message.type !== PacketType.RPC) {
      return this.answerError(ctx, { number: 40000 + message.type, message: `TDS test server: message type 0x${message.type.toString(16)} is not supported` });
    }

    const kind = message.type === PacketType.SQL_BATCH ? 'batch' : 'rpc';
    let parsed: Omit<ParsedRpc, 'transactionDescriptor' | 'procedure'> & { procedure: string | undefined };
    try {
      parsed =
        kind === 'batch'
          ? { sql: parseSqlBatch(message.payload).sql, procedure: undefined, paramDeclarations: undefined, params: {} }
          : parseRpc(message.payload);
    } catch (err) {
      if (!(err instanceof TdsProtocolError)) throw err;
      // An RPC this server cannot decode (a TVP parameter, say): answer like SQL Server's 8016 instead of dropping
      // the connection, so the test sees which parameter is unsupported.
      return this.answerError(ctx, { number: 8016, message: `TDS test server: ${err.message}` });
    }
    const statement =
      kind === 'batch' || (parsed.procedure === 'sp_executesql' && Object.keys(parsed.params).length === 0)
        ? classifySessionStatement(parsed.sql)
        : undefined;
    const draft: SqlRequest = {
      kind,
      sql: parsed.sql,
      params: parsed.params,
      ...(parsed.procedure !== undefined ? { procedure: parsed.procedure } : {}),
      ...(parsed.paramDeclarations !== undefined ? { paramDeclarations: parsed.paramDeclarations } : {}),
      database: this.state.database,
      session: this.session(),
      answeredBy: statement !== undefined ? 'builtin' : 'handler',
    };
    const fault = statement === undefined ? this.host.faults.takeError(draft) : undefined;
    const request: SqlRequest = fault !== undefined ? { ...draft, answeredBy: 'fault' } : draft;
    this.host.logRequest(request);

    // Slow replies apply to what the handler (or a fault) answers, never to session housekeeping such as the
    // pool's validation query, which would otherwise make every new connection time out.
    const delay = statement === undefined ? this.host.faults.responseDelayMs : 0;
    if (delay > 0) await sleepUnlessAborted(delay, inFlight.aborted);
    if (inFlight.attention || this.socket.destroyed) return finishCancelled(ctx);

    let response: SqlResponse;
    if (statement !== undefined) {
      response = this.state.apply(statement, w);
    } else if (fault !== undefined) {
      const context = { user: request.session.user, database: this.state.database, spid: this.spid };
      response = { error: injectedError(fault.number, context, fault.overrides) };
    } else {
      const answer = await Promise.race([callHandler(this.host.handler, request), inFlight.aborted]);
      if (answer === 'attention' || this.socket.destroyed) return finishCancelled(ctx);
      response = answer;
    }
    const dropAfter =
      fault === undefined && statement === undefined && 'resultSets' in response && response.resultSets.length > 0
        ? this.host.faults.takeDrop(request)
        : undefined;
    await writeResponse(ctx, response, kind, dropAfter);
  }

  private answerError(ctx: ResponseContext, error: SqlErrorSpec): void {
    writeSqlError(ctx.w, error, this.host.serverName);
    writeDone(ctx.w, Token.DONE, DoneStatus.FINAL | DoneStatus.ERROR, 0, 0);
    finishMessage(ctx);
  }
}

async function callHandler(handler: SqlHandler, req: SqlRequest): Promise<SqlResponse> {
  try {
    return await handler(req);
  } catch (err) {
    return { error: { number: HANDLER_ERROR, message: `TDS test server handler failed: ${err instanceof Error ? err.message : String(err)}` } };
  }
}

/** Test-infrastructure delay (not a stream stage): resolves after `ms`, or as soon as an attention arrives. */
function sleepUnlessAborted(ms: number, aborted: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const sleep = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([sleep, aborted]).finally(() => clearTimeout(timer));
}
