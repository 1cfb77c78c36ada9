/**
 * The in-memory database behind the CDC simulator: tables with rows, capture instances with change tables,
 * `cdc.lsn_time_mapping`, and the capture and cleanup jobs — with SQL Server's documented CDC semantics
 * (research brief §1): binary(10) LSNs, commit LSN shared by a transaction and `__$seqval` ordering inside it,
 * op codes 1–4 with update masks, LOB columns NULL in before-images unless changed, a primary-key update as a
 * delete plus an insert sharing (LSN, seqval), at most two capture instances per table, dummy mapping rows while
 * idle, cleanup moving `start_lsn`.
 */
import { canonical, maxLength, sameValue, type SimColumn } from './values';

/** An LSN of the simulator: an unsigned integer below 2^80. */
export type SimLsn = bigint;

/** A row of a change table. */
export interface SimChange {
  readonly lsn: SimLsn;
  readonly seqval: SimLsn;
  readonly op: 1 | 2 | 3 | 4;
  readonly mask: Buffer;
  /** Values in capture-instance column order. */
  readonly values: readonly unknown[];
}

/** A simulated table. */
export interface SimTable {
  readonly schema: string;
  readonly name: string;
  readonly objectId: number;
  readonly columns: SimColumn[];
  readonly primaryKey: readonly string[];
  /** Current rows by key. */
  readonly rows: Map<string, Record<string, unknown>>;
}

/** A capture instance with its change table. */
export interface SimCaptureInstance {
  readonly name: string;
  readonly table: SimTable;
  /** The change table's object id. */
  readonly objectId: number;
  /** `cdc.change_tables.start_lsn` (cleanup moves it up). */
  startLsn: SimLsn;
  readonly createDate: Date;
  /** Captured columns with their ordinals (1-based, in capture order). */
  readonly columns: readonly (SimColumn & { readonly ordinal: number })[];
  readonly indexColumns: readonly string[];
  readonly changes: SimChange[];
  /** The login may not read it (gating role): min LSN 0, change function → 229. */
  denied: boolean;
}

/** A `cdc.lsn_time_mapping` row. */
export interface SimMapping {
  readonly startLsn: SimLsn;
  readonly beginTime: Date;
  readonly endTime: Date;
  /** A dummy row (tran_id 0x00) written by an idle capture scan. */
  readonly dummy: boolean;
  /** `tran_end_time` as the change query renders it (cached by the handler). */
  endTimeText?: string;
}

interface LoggedChange {
  readonly table: SimTable;
  readonly seqval: SimLsn;
  readonly kind: 'insert' | 'delete' | 'update' | 'pk-update';
  readonly before: Record<string, unknown> | undefined;
  readonly after: Record<string, unknown> | undefined;
  readonly changed: ReadonlySet<string>;
}

interface CommittedTransaction {
  readonly commitLsn: SimLsn;
  readonly beginTime: Date;
  readonly endTime: Date;
  readonly changes: readonly LoggedChange[];
}

/** Options of the simulator. */
export interface CdcSimulatorOptions {
  /** The database name (default 'Sales'). */
  readonly database?: string;
  /** `@@SERVERNAME` (default 'SIMULATED-SQL'). */
  readonly serverName?: string;
  /** Whether `sys.sp_cdc_enable_db` was run (default true). */
  readonly cdcEnabled?: boolean;
  /** The server's offset from UTC in minutes (commit times are server-local; default 0). */
  readonly tzOffsetMinutes?: number;
  /** The clock of commit times and cleanup (default `Date.now`). */
  readonly now?: () => number;
  /** Run the capture job on every commit (default true); false models a stopped SQL Server Agent. */
  readonly autoCapture?: boolean;
}

const LSN_STEP = 0x10n;
const keyOf = (table: SimTable, row: Record<string, unknown>): string =>
  JSON.stringify(table.primaryKey.map((k) => (Buffer.isBuffer(row[k]) ? (row[k] as Buffer).toString('hex') : row[k])));

/** A transaction in progress (`sim.begin()`): DML statements, then `commit()` or `rollback()`. */
export class SimTransaction {
  private readonly changes: LoggedChange[] = [];
  private readonly beganAt: Date;
  private done = false;

  constructor(private readonly db: CdcDatabase) {
    this.beganAt = new Date(db.now());
  }

  /** Inserts rows. */
  insert(table: string, rows: Record<string, unknown> | readonly Record<string, unknown>[]): this {
    const t = this.db.table(table);
    for (const row of Array.isArray(rows) ? rows : [rows]) {
      const stored = this.db.canonicalRow(t, row);
      const key = keyOf(t, stored);
      if (t.rows.has(key)) throw new Error(`simulator: duplicate key ${key} in ${table} (Msg 2627)`);
      t.rows.set(key, stored);
      this.log(t, 'insert', undefined, stored, new Set(t.columns.map((c) => c.name)));
    }
    return this;
  }

  /** Updates the row with `key` (primary-key values by column); changing a key column is a delete plus insert. */
  update(table: string, key: Record<string, unknown>, changes: Record<string, unknown>): this {
    const t = this.db.table(table);
    const before = this.db.findRow(t, key);
    const after = { ...before, ...this.db.canonicalRow(t, changes, true) };
    const changed = new Set(Object.keys(changes));
    const pkChanged = t.primaryKey.some((k) => changed.has(k) && !sameValue(before[k], after[k]));
    t.rows.delete(keyOf(t, before));
    const newKey = keyOf(t, after);
    if (pkChanged && t.rows.has(newKey)) throw new Error(`simulator: duplicate key ${newKey} in ${table} (Msg 2627)`);
    t.rows.set(newKey, after);
    this.log(t, pkChanged ? 'pk-update' : 'update', before, after, changed);
    return this;
  }

  /** Deletes the row with `key`. */
  delete(table: string, key: Record<string, unknown>): this {
    const t = this.db.table(table);
    const before = this.db.findRow(t, key);
    t.rows.delete(keyOf(t, before));
    this.log(t, 'delete', before, undefined, new Set(t.columns.map((c) => c.name)));
    return this;
  }

  /** Commits: one commit LSN for every change; captured at once when the capture job runs automatically. */
  commit(): SimLsn | undefined {
    this.finish();
    if (this.changes.length === 0) return undefined;
    return this.db.commit({ commitLsn: this.db.nextLsn(), beginTime: this.beganAt, endTime: new Date(this.db.now()), changes: this.changes });
  }

  private log(table: SimTable, kind: LoggedChange['kind'], before: LoggedChange['before'], after: LoggedChange['after'], changed: ReadonlySet<string>): void {
    if (this.done) throw new Error('simulator: the transaction has ended');
    this.changes.push({ table, seqval: this.db.nextLsn(), kind, before: before && { ...before }, after: after && { ...after }, changed });
  }

  private finish(): void {
    if (this.done) throw new Error('simulator: the transaction has ended');
    this.done = true;
  }
}

/** The simulated database (tables, capture instances, jobs). */
export class CdcDatabase {
  readonly name: string;
  readonly serverName: string;
  cdcEnabled: boolean;
  tzOffsetMinutes: number;
  autoCapture: boolean;
  readonly now: () => number;
  private lsn = 0x0000002a_00000100_0001n;
  private objectIds = 1000;
  private readonly tables = new Map<string, SimTable>();
  readonly instances = new Map<string, SimCaptureInstance>();
  readonly mapping: SimMapping[] = [];
  /** `cdc.lsn_time_mapping` by commit LSN (the change query's join). */
  readonly mappingByLsn = new Map<SimLsn, SimMapping>();
  private readonly uncaptured: CommittedTransaction[] = [];
  /** `msdb.dbo.cdc_jobs` retention in minutes. */
  retentionMinutes = 4320;

  constructor(options: CdcSimulatorOptions = {}) {
    this.name = options.database ?? 'Sales';
    this.serverName = options.serverName ?? 'SIMULATED-SQL';
    this.cdcEnabled = options.cdcEnabled ?? true;
    this.tzOffsetMinutes = options.tzOffsetMinutes ?? 0;
    this.now = options.now ?? Date.now;
    this.autoCapture = options.autoCapture ?? true;
  }

  /** The next LSN (strictly increasing). */
  nextLsn(): SimLsn {
    this.lsn += LSN_STEP;
    return this.lsn;
  }

  /** A table by `schema.table` (`dbo` when omitted; case-insensitive). */
  table(name: string): SimTable {
    const t = this.tables.get(qualified(name).toLowerCase());
    if (!t) throw new Error(`simulator: no table ${name}`);
    return t;
  }

  /** Every table. */
  allTables(): SimTable[] {
    return [...this.tables.values()];
  }

  createTable(name: string, columns: readonly SimColumn[], primaryKey: readonly string[]): SimTable {
    const [schema, table] = qualified(name).split('.') as [string, string];
    if (this.tables.has(`${schema}.${table}`.toLowerCase())) throw new Error(`simulator: table ${name} exists`);
    for (const k of primaryKey) if (!columns.some((c) => c.name === k)) throw new Error(`simulator: key column ${k} is not a column of ${name}`);
    const t: SimTable = { schema, name: table, objectId: ++this.objectIds, columns: [...columns], primaryKey, rows: new Map() };
    this.tables.set(`${schema}.${table}`.toLowerCase(), t);
    return t;
  }

  /** `ALTER TABLE … ADD`: existing capture instances are not affected (their shape is fixed). */
  addColumn(table: string, column: SimColumn, value: unknown = null): void {
    const t = this.table(table);
    t.columns.push(column);
    for (const row of t.rows.values()) row[column.name] = canonical(column, value);
  }

  /** `ALTER TABLE … DROP COLUMN`: capture instances keep the column, as NULL from now on. */
  dropColumn(table: string, column: string): void {
    const t = this.table(table);
    const i = t.columns.findIndex((c) => c.name === column);
    if (i < 0) throw new Error(`simulator: no column ${column} in ${table}`);
    t.columns.splice(i, 1);
    for (const row of t.rows.values()) delete row[column];
  }

  /** `sys.sp_cdc_enable_table`: a capture instance whose `start_lsn` is the current LSN. */
  enableTable(table: string, options: { captureInstance?: string; capturedColumns?: readonly string[] } = {}): SimCaptureInstance {
    if (!this.cdcEnabled) throw new Error('simulator: CDC is not enabled on the database (Msg 22901)');
    const t = this.table(table);
    const name = options.captureInstance ?? `${t.schema}_${t.name}`;
    if (this.instances.has(name)) throw new Error(`simulator: capture instance ${name} exists (Msg 22926)`);
    if ([...this.instances.values()].filter((ci) => ci.table === t).length >= 2) throw new Error(`simulator: ${table} already has two capture instances (Msg 22962)`);
    const names = options.capturedColumns ?? t.columns.map((c) => c.name);
    const columns = names.map((n, i) => {
      const c = t.columns.find((x) => x.name === n);
      if (!c) throw new Error(`simulator: no column ${n} in ${table}`);
      return { ...c, ordinal: i + 1 };
    });
    const ci: SimCaptureInstance = {
      name,
      table: t,
      objectId: ++this.objectIds,
      startLsn: this.nextLsn(),
      createDate: new Date(this.now()),
      columns,
      indexColumns: t.primaryKey,
      changes: [],
      denied: false,
    };
    this.instances.set(name, ci);
    return ci;
  }

  /** `sys.sp_cdc_disable_table @capture_instance`: drops the instance and its change table. */
  disableTable(captureInstance: string): void {
    if (!this.instances.delete(captureInstance)) throw new Error(`simulator: no capture instance ${captureInstance}`);
  }

  /** `sys.sp_cdc_disable_db`. */
  disableDatabase(): void {
    this.cdcEnabled = false;
    this.instances.clear();
  }

  canonicalRow(t: SimTable, row: Record<string, unknown>, partial = false): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) {
      const c = t.columns.find((x) => x.name === k);
      if (!c) throw new Error(`simulator: no column ${k} in ${t.schema}.${t.name}`);
      out[k] = canonical(c, v);
    }
    if (!partial) for (const c of t.columns) if (!(c.name in out)) out[c.name] = null;
    return out;
  }

  findRow(t: SimTable, key: Record<string, unknown>): Record<string, unknown> {
    const row = t.rows.get(keyOf(t, this.canonicalRow(t, key, true)));
    if (!row) throw new Error(`simulator: no row with key ${JSON.stringify(key)} in ${t.schema}.${t.name}`);
    return row;
  }

  /** Records a committed transaction; captures it at once when the capture job runs automatically. */
  commit(tx: CommittedTransaction): SimLsn {
    this.uncaptured.push(tx);
    if (this.autoCapture) this.runCaptureJob();
    return tx.commitLsn;
  }

  /**
   * One scan of the capture job: moves committed transactions (in commit order) into the change tables of the
   * instances that existed when they committed and into `cdc.lsn_time_mapping`; with nothing to capture it
   * writes a dummy mapping row, so the max LSN keeps advancing while the database is idle.
   */
  runCaptureJob(): void {
    if (this.uncaptured.length === 0) {
      const at = new Date(this.now());
      this.addMapping({ startLsn: this.nextLsn(), beginTime: at, endTime: at, dummy: true });
      return;
    }
    this.uncaptured.sort((a, b) => (a.commitLsn < b.commitLsn ? -1 : 1));
    for (const tx of this.uncaptured.splice(0)) {
      for (const change of [...tx.changes].sort((a, b) => (a.seqval < b.seqval ? -1 : 1))) {
        for (const ci of this.instances.values()) {
          if (ci.table !== change.table || ci.startLsn >= tx.commitLsn) continue;
          ci.changes.push(...this.changeRows(ci, tx.commitLsn, change));
        }
      }
      this.addMapping({ startLsn: tx.commitLsn, beginTime: tx.beginTime, endTime: tx.endTime, dummy: false });
    }
  }

  private addMapping(m: SimMapping): void {
    this.mapping.push(m);
    this.mappingByLsn.set(m.startLsn, m);
  }

  private changeRows(ci: SimCaptureInstance, lsn: SimLsn, change: LoggedChange): SimChange[] {
    const all = mask(ci.columns.length, () => true);
    const changedMask = mask(ci.columns.length, (i) => change.changed.has(ci.columns[i]!.name));
    const image = (row: Record<string, unknown> | undefined, op: 1 | 2 | 3 | 4): unknown[] =>
      ci.columns.map((c) => {
        const value = row?.[c.name] ?? null;
        if ((op === 1 || op === 3) && (c.type === 'text' || c.type === 'ntext' || c.type === 'image')) return null;
        if (op === 3 && c.length === 'max' && !change.changed.has(c.name)) return null;
        return value;
      });
    const { seqval } = change;
    switch (change.kind) {
      case 'insert':
        return [{ lsn, seqval, op: 2, mask: all, values: image(change.after, 2) }];
      case 'delete':
        return [{ lsn, seqval, op: 1, mask: all, values: image(change.before, 1) }];
      case 'pk-update':
        return [
          { lsn, seqval, op: 1, mask: all, values: image(change.before, 1) },
          { lsn, seqval, op: 2, mask: all, values: image(change.after, 2) },
        ];
      case 'update':
        return [
          { lsn, seqval, op: 3, mask: changedMask, values: image(change.before, 3) },
          { lsn, seqval, op: 4, mask: changedMask, values: image(change.after, 4) },
        ];
    }
  }

  /** `sys.fn_cdc_get_max_lsn()`: the highest mapping row, `undefined` before the capture job first ran. */
  maxLsn(): SimLsn | undefined {
    return this.mapping.length === 0 ? undefined : this.mapping[this.mapping.length - 1]!.startLsn;
  }

  /** `sys.fn_cdc_get_min_lsn(ci)`: its `start_lsn`, 0 when missing or not readable. */
  minLsn(captureInstance: string): SimLsn {
    const ci = this.instances.get(captureInstance);
    return ci === undefined || ci.denied ? 0n : ci.startLsn;
  }

  /**
   * The cleanup job: the low-water mark is the first mapping LSN whose transaction ended after now − retention;
   * change rows below it go, `start_lsn` of instances below it becomes it, mapping rows below
   * it go. Returns the low-water mark (undefined when nothing is old enough).
   */
  runCleanup(retentionMinutes = this.retentionMinutes): SimLsn | undefined {
    const cutoff = this.now() - retentionMinutes * 60_000;
    if (!this.mapping.some((m) => m.endTime.getTime() <= cutoff)) return undefined;
    // The first transaction young enough to keep (or the last one: the max LSN stays valid).
    const lwm = (this.mapping.find((m) => m.endTime.getTime() > cutoff) ?? this.mapping[this.mapping.length - 1]!).startLsn;
    for (const ci of this.instances.values()) this.cleanupInstance(ci, lwm);
    const keep = this.mapping.filter((m) => m.startLsn >= lwm);
    for (const m of this.mapping) if (m.startLsn < lwm) this.mappingByLsn.delete(m.startLsn);
    this.mapping.splice(0, this.mapping.length, ...keep);
    return lwm;
  }

  /** `sys.sp_cdc_cleanup_change_table @capture_instance, @low_water_mark`. */
  cleanupChangeTable(captureInstance: string, lowWaterMark: SimLsn): void {
    const ci = this.instances.get(captureInstance);
    if (!ci) throw new Error(`simulator: no capture instance ${captureInstance}`);
    this.cleanupInstance(ci, lowWaterMark);
  }

  private cleanupInstance(ci: SimCaptureInstance, lwm: SimLsn): void {
    if (ci.startLsn >= lwm) return;
    ci.startLsn = lwm;
    const keep = ci.changes.filter((c) => c.lsn >= lwm);
    ci.changes.splice(0, ci.changes.length, ...keep);
  }

  /** The captured-columns rows (`cdc.captured_columns` joined with `sys.columns`). */
  capturedColumnRows(): unknown[][] {
    return [...this.instances.values()].flatMap((ci) => ci.columns.map((c) => [ci.objectId, c.name, c.ordinal, c.type, 0, maxLength(c)]));
  }
}

/** `Orders` → `dbo.Orders`. */
export function qualified(name: string): string {
  return name.includes('.') ? name : `dbo.${name}`;
}

/** An update mask over `n` columns (big-endian: column 1 is the lowest bit of the last byte). */
export function mask(n: number, set: (index: number) => boolean): Buffer {
  const bytes = Buffer.alloc(Math.max(1, Math.ceil(n / 8)));
  for (let i = 0; i < n; i++) if (set(i)) bytes[bytes.length - 1 - (i >> 3)]! |= 1 << (i & 7);
  return bytes;
}
