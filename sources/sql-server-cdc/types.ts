import type { Lsn } from './lsn';

/**
 * A column value as the source emits it, lossless and JSON-safe: `bigint`, `decimal`/`numeric`/`money` as
 * strings (unless `decimals: 'number'`), dates and times as ISO strings (naive unless `datetimeoffset`),
 * `uniqueidentifier` as a string, binary data as base64, `bit` as a boolean, NULL as `null`, and
 * `UNAVAILABLE_VALUE` where SQL Server did not capture the value (an unchanged LOB in an update's before-image).
 */
export type CdcValue = string | number | boolean | null;

/** A row image: column name → value, in capture-instance column order. */
export type CdcRow = Readonly<Record<string, CdcValue>>;

/**
 * Stands in for a value SQL Server did not capture: `varchar(max)`/`nvarchar(max)`/`varbinary(max)` columns
 * that an update did not change (NULL in the change table's before-image, told apart from a real NULL by the
 * update mask), and `text`/`ntext`/`image` columns of before-images. The same idea as Debezium's
 * `__debezium_unavailable_value`.
 */
export const UNAVAILABLE_VALUE = '__tributary_unavailable_value';

/** `c` insert, `u` update, `d` delete, `r` snapshot read. */
export type ChangeOp = 'c' | 'u' | 'd' | 'r';

/** Where a change came from. */
export interface ChangeSourceInfo {
  /** The server name used in checkpoint keys and ids (the `server` option, or the host of the connection). */
  readonly server: string;
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  readonly captureInstance: string;
  /** The commit LSN (`__$start_lsn`); for snapshot reads, the max LSN the snapshot is consistent with. */
  readonly commitLsn: Lsn;
  /** `__$seqval` (the change's order inside its transaction); `null` for snapshot reads. */
  readonly seqval: Lsn | null;
  /** `__$operation`: 1 delete, 2 insert, 4 update (after-image of the 3 + 4 pair); 0 for snapshot reads. */
  readonly operation: 0 | 1 | 2 | 4;
  /** The transaction's commit time as UTC ISO (from `cdc.lsn_time_mapping`); `null` when unknown. */
  readonly commitTime: string | null;
  /** Whether the event comes from a snapshot read. */
  readonly snapshot: boolean;
}

/**
 * One change of one row: Debezium's envelope without the tombstones.
 *
 * | op | before | after |
 * |---|---|---|
 * | `c` | `null` | the inserted row |
 * | `u` | the row before (unchanged LOBs are `UNAVAILABLE_VALUE`) | the row after |
 * | `d` | the deleted row | `null` |
 * | `r` | `null` | the row as the snapshot read it |
 *
 * A primary-key update arrives as `d` (old key) then `c` (new key), sharing commit LSN and seqval.
 */
export interface ChangeEvent {
  readonly op: ChangeOp;
  readonly before: CdcRow | null;
  readonly after: CdcRow | null;
  /** The key columns (the capture instance's index columns), or `null` for a table without a key. */
  readonly key: CdcRow | null;
  readonly source: ChangeSourceInfo;
  /**
   * Deterministic id, stable across replays: `<db>:<ci>:<commitLsn>:<seqval>:<op>` (`<db>:<ci>:<L>:k<keyHash>:r`
   * for snapshot reads). Use it as the message id for duplicate detection downstream. Ids longer than 128
   * characters replace `<db>:<ci>` by a hash.
   */
  readonly id: string;
}

/**
 * How far one capture instance has been published.
 * - `through L`: every change with commit LSN ≤ L is published; resume from `sys.fn_cdc_increment_lsn(L)`.
 * - `within (L, S, O)`: transaction L is published up to and including the row (seqval S, operation O).
 */
export type CdcPosition =
  | { readonly kind: 'through'; readonly lsn: Lsn }
  | { readonly kind: 'within'; readonly lsn: Lsn; readonly seqval: Lsn; readonly op: number };

/** What the checkpoint records about a capture instance besides its position. */
export interface CaptureInstanceIdentity {
  readonly captureInstance: string;
  /** `schema.table` of the source table. */
  readonly sourceTable: string;
  /** `cdc.change_tables.start_lsn` when the instance was first seen (cleanup moves the live value up). */
  readonly startLsn: Lsn;
  /** `cdc.change_tables.create_date` (server-local, `yyyy-mm-dd hh:mi:ss.mmm`): tells a re-created instance apart. */
  readonly createDate: string;
}

/** The offset of a change event: the position of its capture instance once the event is published. */
export interface CdcChangeOffset {
  readonly kind: 'change';
  readonly instance: CaptureInstanceIdentity;
  readonly position: CdcPosition;
  /** Emission order within this run (used to know what the committer has passed); not persisted. */
  readonly seq: number;
}

/** The offset of a snapshot read: the progress of that table's snapshot once the event is published. */
export interface CdcSnapshotOffset {
  readonly kind: 'snapshot';
  /** `schema.table`. */
  readonly table: string;
  /** The max LSN the snapshot is consistent with. */
  readonly lsn: Lsn;
  /** Rows of this table published by the snapshot so far. */
  readonly rows: number;
  /** The key of the last published row, in key-column order (resume after it). */
  readonly lastKey: readonly CdcValue[] | null;
  /** Whether this was the table's last row. */
  readonly done: boolean;
  /** Emission order within this run; not persisted. */
  readonly seq: number;
}

/** The context every event carries to the committer. */
export type CdcOffset = CdcChangeOffset | CdcSnapshotOffset;

/** Something operators should know about; the observer receives it and it is logged. */
export type CdcNotification =
  | {
      /** A second capture instance took over a table at `switchLsn` (its `start_lsn`). */
      readonly kind: 'schema-change';
      readonly table: string;
      readonly fromInstance: string;
      readonly toInstance: string;
      readonly switchLsn: Lsn;
      /** The new instance's columns, in order. */
      readonly columns: readonly string[];
    }
  | {
      /** Everything of an old instance before its successor's start is committed: the DBA may drop it now. */
      readonly kind: 'instance-completed';
      readonly table: string;
      readonly captureInstance: string;
      readonly successor: string;
    }
  | {
      /** A capture instance disappeared (`sp_cdc_disable_table`); the other instances keep streaming. */
      readonly kind: 'instance-dropped';
      readonly table: string;
      readonly captureInstance: string;
      /** The position it had been published to. */
      readonly position: CdcPosition | undefined;
      /** Whether a successor instance covers everything after that position (no changes were lost). */
      readonly covered: boolean;
    }
  | {
      /** `sys.fn_cdc_get_max_lsn()` has not moved for `stalledMs`: the capture job (SQL Server Agent) may be stopped. */
      readonly kind: 'capture-stalled';
      readonly maxLsn: Lsn | null;
      readonly stalledMs: number;
    }
  | { readonly kind: 'capture-resumed'; readonly maxLsn: Lsn }
  | { readonly kind: 'snapshot-started'; readonly lsn: Lsn; readonly tables: readonly string[]; readonly reason: string }
  | { readonly kind: 'snapshot-completed'; readonly lsn: Lsn; readonly rows: number }
  | {
      /** Cleanup passed the checkpoint and `onDataLoss: 'resnapshot'` is set: the tables are read again. */
      readonly kind: 'data-loss-resnapshot';
      readonly captureInstance: string;
      readonly neededLsn: Lsn;
      readonly minLsn: Lsn;
    };
