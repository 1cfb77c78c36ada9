/**
 * An in-memory SQL Server CDC simulator for the TDS test server (tests and the benchmark only). It answers the
 * statements of the CDC source's catalogue with SQL Server's documented CDC semantics; tests drive it with DML
 * helpers and job controls.
 *
 * @example
 * const sim = new CdcSimulator({ database: 'Sales' });
 * sim.createTable('dbo.Orders', [{ name: 'id', type: 'int' }, { name: 'total', type: 'decimal', precision: 18, scale: 2 }], ['id']);
 * sim.enableTable('dbo.Orders');
 * const server = await TdsTestServer.start({ handler: sim.handler });
 * sim.insert('dbo.Orders', { id: 1, total: '10.50' });
 */
import { cdcHandler } from './handler';
import { CdcDatabase, SimTransaction, type CdcSimulatorOptions, type SimCaptureInstance, type SimLsn } from './model';
import type { SqlHandler } from '../tds';

export type { CdcSimulatorOptions, SimCaptureInstance, SimLsn, SimChange, SimTable } from './model';
export type { SimColumn } from './values';
export { SimTransaction };

/** The simulator: the database model, its request handler, and one-statement DML helpers. */
export class CdcSimulator extends CdcDatabase {
  /** The TDS handler answering the source's catalogue statements. */
  readonly handler: SqlHandler;

  constructor(options: CdcSimulatorOptions = {}) {
    super(options);
    this.handler = cdcHandler(this);
  }

  /** Starts a transaction (several may be open at once; their changes interleave in LSN order). */
  begin(): SimTransaction {
    return new SimTransaction(this);
  }

  /** Runs `f` in one transaction and commits; returns the commit LSN. */
  transaction(f: (tx: SimTransaction) => void): SimLsn | undefined {
    const tx = this.begin();
    f(tx);
    return tx.commit();
  }

  /** Inserts rows in one transaction. */
  insert(table: string, rows: Record<string, unknown> | readonly Record<string, unknown>[]): SimLsn | undefined {
    return this.transaction((tx) => tx.insert(table, rows));
  }

  /** Updates one row in one transaction (a changed key column makes it a delete plus insert). */
  update(table: string, key: Record<string, unknown>, changes: Record<string, unknown>): SimLsn | undefined {
    return this.transaction((tx) => tx.update(table, key, changes));
  }

  /** Changes a row's primary key (op 1 + op 2 sharing LSN and seqval). */
  pkUpdate(table: string, key: Record<string, unknown>, newKey: Record<string, unknown>): SimLsn | undefined {
    return this.update(table, key, newKey);
  }

  /** Deletes one row in one transaction. */
  delete(table: string, key: Record<string, unknown>): SimLsn | undefined {
    return this.transaction((tx) => tx.delete(table, key));
  }

  /** Revokes the login's access to a capture instance (gating role): min LSN 0, change queries fail with 229. */
  revokeAccess(captureInstance: string): void {
    this.instance(captureInstance).denied = true;
  }

  /** Restores access revoked by `revokeAccess`. */
  grantAccess(captureInstance: string): void {
    this.instance(captureInstance).denied = false;
  }

  /** A capture instance by name. */
  instance(name: string): SimCaptureInstance {
    const ci = this.instances.get(name);
    if (!ci) throw new Error(`simulator: no capture instance ${name}`);
    return ci;
  }

  /** The current rows of a table (copies). */
  rowsOf(table: string): Record<string, unknown>[] {
    return [...this.table(table).rows.values()].map((r) => ({ ...r }));
  }
}

/** An LSN as the source writes it (20 lowercase hex characters). */
export function lsnHex(lsn: SimLsn): string {
  return lsn.toString(16).padStart(20, '0');
}
