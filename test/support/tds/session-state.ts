import type { SqlErrorSpec, SqlResponse, TransactionInfo } from './api';
import { EnvChangeType } from './protocol';
import type { ParsedTm } from './requests';
import { isolationLevelName, type SessionStatement } from './session-statements';
import { writeEnvChangeResetAck, writeEnvChangeText, writeEnvChangeTransaction } from './tokens';
import type { TdsWriter } from './wire';

/** One transaction event, as `server.transactionLog` records it. */
export interface TransactionEvent {
  readonly sessionId: number;
  readonly op: 'begin' | 'commit' | 'rollback' | 'save';
  readonly via: 'tm' | 'batch';
  readonly isolationLevel: string;
  readonly name: string;
  /** Nesting depth after the event (0 = no transaction). */
  readonly depth: number;
}

/** What session state needs from the server. */
export interface SessionHost {
  /** When set, USE of another database fails with 911. */
  readonly databases: readonly string[] | undefined;
  logTransaction(event: TransactionEvent): void;
  nextTransactionDescriptor(): Buffer;
}

interface Transaction extends TransactionInfo {
  readonly descriptor: Buffer;
}

const DEFAULT_ISOLATION = 'READ COMMITTED';

/**
 * The state SQL Server keeps per session and reports back through ENVCHANGE: current database, isolation level,
 * and the (nestable) transaction with its 8-byte descriptor. Session statements and transaction manager requests
 * change it; a connection reset restores it.
 *
 * @example
 * const state = new SessionState(51, 'Sales', host);
 * state.apply({ kind: 'begin', name: '' }, w); // writes ENVCHANGE 8 (begin transaction)
 * state.transactionInfo(); // { depth: 1, isolationLevel: 'READ COMMITTED', name: '', startedBy: 'batch' }
 */
export class SessionState {
  database: string;
  isolationLevel = DEFAULT_ISOLATION;
  private transaction: Transaction | undefined;

  constructor(
    private readonly sessionId: number,
    private loginDatabase: string,
    private readonly host: SessionHost,
  ) {
    this.database = loginDatabase;
  }

  get inTransaction(): boolean {
    return this.transaction !== undefined;
  }

  /** The current transaction without its descriptor, for request snapshots. */
  transactionInfo(): TransactionInfo | undefined {
    const tx = this.transaction;
    return tx === undefined ? undefined : { depth: tx.depth, isolationLevel: tx.isolationLevel, name: tx.name, startedBy: tx.startedBy };
  }

  /** After a successful login: the database the session starts in (and returns to on reset). */
  loggedInTo(database: string): void {
    this.loginDatabase = database;
    this.database = database;
  }

  /** RESETCONNECTION: rolls back silently, restores database and isolation level, acknowledges with ENVCHANGE 18. */
  reset(w: TdsWriter): void {
    if (this.transaction !== undefined) this.end('rollback', 'batch', this.transaction.name, undefined);
    this.database = this.loginDatabase;
    this.isolationLevel = DEFAULT_ISOLATION;
    writeEnvChangeResetAck(w);
  }

  /** Applies a session statement (SET, validation, USE, BEGIN/COMMIT/ROLLBACK), writing its ENVCHANGE to `w`. */
  apply(statement: SessionStatement, w: TdsWriter): SqlResponse {
    switch (statement.kind) {
      case 'set':
        if (statement.isolationLevel !== undefined) this.isolationLevel = statement.isolationLevel;
        return { resultSets: [] };
      case 'validation':
        return { resultSets: [{ columns: [{ name: '', type: 'int' }], rows: [[1]] }] };
      case 'use':
        if (this.host.databases !== undefined && !this.host.databases.includes(statement.database)) {
          return {
            error: { number: 911, message: `Database '${statement.database}' does not exist. Make sure that the name is entered correctly.` },
          };
        }
        writeEnvChangeText(w, EnvChangeType.DATABASE, statement.database, this.database);
        this.database = statement.database;
        return { resultSets: [] };
      case 'begin':
        this.begin(statement.name, this.isolationLevel, 'batch', w);
        return { resultSets: [] };
      case 'commit':
      case 'rollback': {
        const error = this.end(statement.kind, 'batch', statement.name, w);
        return error === undefined ? { resultSets: [] } : { error };
      }
    }
  }

  /** Applies a transaction manager request; returns the error to report, if any. */
  transactionManager(tm: ParsedTm, w: TdsWriter): SqlErrorSpec | undefined {
    if (tm.op === 'begin') {
      this.begin(tm.name, isolationLevelName(tm.isolationLevel) ?? this.isolationLevel, 'tm', w);
      return undefined;
    }
    if (tm.op === 'save') {
      const tx = this.transaction;
      if (tx === undefined) return { number: 628, message: 'Cannot issue SAVE TRANSACTION when there is no active transaction.' };
      this.host.logTransaction({ sessionId: this.sessionId, op: 'save', via: 'tm', isolationLevel: tx.isolationLevel, name: tm.name, depth: tx.depth });
      return undefined;
    }
    const error = this.end(tm.op, 'tm', tm.name, w);
    if (error === undefined && tm.beginNew) this.begin('', this.isolationLevel, 'tm', w);
    return error;
  }

  /** Begins (ENVCHANGE 8 with a new descriptor) or nests one level deeper. */
  private begin(name: string, isolationLevel: string, via: 'tm' | 'batch', w: TdsWriter): void {
    if (this.transaction !== undefined) {
      this.transaction = { ...this.transaction, depth: this.transaction.depth + 1 };
    } else {
      const descriptor = this.host.nextTransactionDescriptor();
      this.transaction = { depth: 1, isolationLevel, name, startedBy: via, descriptor };
      writeEnvChangeTransaction(w, EnvChangeType.BEGIN_TRANSACTION, descriptor);
    }
    const tx = this.transaction;
    this.host.logTransaction({ sessionId: this.sessionId, op: 'begin', via, isolationLevel: tx.isolationLevel, name, depth: tx.depth });
  }

  /** Commits one level (ENVCHANGE 9 at the outermost) or rolls everything back (ENVCHANGE 10); `w` undefined = silently. */
  private end(op: 'commit' | 'rollback', via: 'tm' | 'batch', name: string, w: TdsWriter | undefined): SqlErrorSpec | undefined {
    const tx = this.transaction;
    if (tx === undefined) {
      return op === 'commit'
        ? { number: 3902, message: 'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.' }
        : { number: 3903, message: 'The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.' };
    }
    if (op === 'commit' && tx.depth > 1) {
      this.transaction = { ...tx, depth: tx.depth - 1 };
    } else {
      this.transaction = undefined;
      if (w !== undefined) {
        writeEnvChangeTransaction(w, op === 'commit' ? EnvChangeType.COMMIT_TRANSACTION : EnvChangeType.ROLLBACK_TRANSACTION, tx.descriptor);
      }
    }
    this.host.logTransaction({ sessionId: this.sessionId, op, via, isolationLevel: tx.isolationLevel, name, depth: this.transaction?.depth ?? 0 });
    return undefined;
  }
}
