import { keyParamValue } from './columns';
import type { DescribedInstance } from './capture-instances';
import { snapshotEvent, type EventContext } from './change-events';
import type { StatementRunner } from './client';
import { CdcQueryError } from './errors';
import type { Lsn } from './lsn';
import { emptyBatch, type ReadBatch, type Stamp } from './read-batch';
import { Statements } from './statements';
import type { CdcValue } from './types';

/** One table of a snapshot: the instance whose shape it is read in, and how far it got. */
export interface SnapshotTable {
  readonly instance: DescribedInstance;
  rows: number;
  lastKey: readonly CdcValue[] | null;
  done: boolean;
}

/**
 * Reads the tables of a snapshot in key order, one chunk per call, as `r` events tagged with the snapshot LSN.
 * Each event's offset carries the table's progress (rows, last key), so a restart resumes after the last
 * committed row instead of from the start. Chunks run as separate READ COMMITTED statements (no transaction is
 * held): a row changed during the snapshot may appear both as `r` and in the stream that follows, never not at
 * all.
 */
export class SnapshotReader {
  private index = 0;

  constructor(
    private readonly db: StatementRunner,
    private readonly context: EventContext,
    readonly lsn: Lsn,
    readonly tables: readonly SnapshotTable[],
    private readonly chunkSize: number,
    private readonly stamp: Stamp,
  ) {
    for (const t of tables) {
      const { instance } = t;
      if (instance.keyColumns.length === 0) {
        throw new CdcQueryError(
          'snapshot-first-chunk',
          `cannot snapshot ${instance.sourceTable}: its capture instance '${instance.name}' has no key columns (a primary key, or @index_name in sys.sp_cdc_enable_table); ` +
            `add a key, or start with startFrom: 'now' or 'retained'`,
        );
      }
    }
  }

  /** Whether every table has been read. */
  get finished(): boolean {
    return this.index >= this.tables.length;
  }

  /** Total rows read by this snapshot so far (including resumed progress). */
  get rows(): number {
    return this.tables.reduce((n, t) => n + t.rows, 0);
  }

  /** Reads the next chunk of the current table (an empty batch when a table ends on a chunk boundary). */
  async next(): Promise<ReadBatch> {
    const batch = emptyBatch();
    while (this.index < this.tables.length && this.tables[this.index]!.done) this.index++;
    const table = this.tables[this.index];
    if (!table) return batch;
    const { instance } = table;
    const statement = table.lastKey
      ? Statements.snapshotNextChunk(
          instance.schema,
          instance.table,
          instance.columns,
          instance.keyColumns,
          this.chunkSize,
          instance.keyColumns.map((k, i) => keyParamValue(k, table.lastKey![i] ?? null)),
        )
      : Statements.snapshotFirstChunk(instance.schema, instance.table, instance.columns, instance.keyColumns, this.chunkSize);
    const { rows } = await this.db.run(statement);
    const partition = `snapshot:${instance.sourceTable}`;
    const last = rows.length < this.chunkSize;
    rows.forEach((values, i) => {
      const event = snapshotEvent(this.context, instance, this.lsn, values);
      table.rows++;
      table.lastKey = instance.keyColumns.map((k) => event.after![k.name] ?? null);
      const done = last && i === rows.length - 1;
      batch.events.push([event, { kind: 'snapshot', table: instance.sourceTable, lsn: this.lsn, rows: table.rows, lastKey: table.lastKey, done, seq: this.stamp(partition) }]);
    });
    if (last) {
      table.done = true;
      this.index++;
      if (rows.length === 0) batch.deferred.push({ partition, update: { kind: 'snapshot-table-done', table: instance.sourceTable } });
    }
    return batch;
  }
}
