import type { Committable } from '../../src/context/committable';
import { CheckpointCommitter } from '../../src/state/checkpoint-committer';
import type { CheckpointStore } from '../../src/state/checkpoint-store';
import type { Lsn } from './lsn';
import { comparePosition, laterPosition } from './position';
import type { CaptureInstanceIdentity, CdcOffset, CdcPosition, CdcValue } from './types';

/** One capture instance in the checkpoint document. */
export interface CdcInstanceCheckpoint {
  readonly sourceTable: string;
  /** The instance's `start_lsn` when it was first seen. */
  readonly ciStartLsn: Lsn;
  readonly ciCreateDate: string;
  readonly position: CdcPosition;
}

/** Snapshot progress of one table. */
export interface CdcSnapshotTableCheckpoint {
  readonly rows: number;
  readonly lastKey: readonly CdcValue[] | null;
  readonly done: boolean;
}

/** The snapshot section of the checkpoint document. */
export interface CdcSnapshotCheckpoint {
  readonly status: 'none' | 'running' | 'done';
  /** Identifies the snapshot run (a backfill id, or generated): a backfill with another id starts over. */
  readonly id?: string;
  /** The max LSN the snapshot is consistent with. */
  readonly lsn?: Lsn;
  /** Why the snapshot ran (`initial`, `backfill`, `data-loss`). */
  readonly reason?: string;
  readonly tables: Readonly<Record<string, CdcSnapshotTableCheckpoint>>;
}

/**
 * The checkpoint document of one database (research brief §4.2): every capture instance's published position,
 * the snapshot's progress, and who wrote it.
 *
 * @example
 * { "version": 1, "server": "sql-1", "database": "Sales",
 *   "instances": { "dbo_Orders": { "sourceTable": "dbo.Orders", "ciStartLsn": "…", "ciCreateDate": "…",
 *                                   "position": { "kind": "through", "lsn": "0000002a000001f00003" } } },
 *   "snapshot": { "status": "done", "lsn": "…", "tables": { "dbo.Orders": { "rows": 10000, "lastKey": [10000], "done": true } } },
 *   "updatedAt": "2024-05-01T10:00:00.000Z", "writer": { "instanceId": "pod-7" } }
 */
export interface CdcCheckpoint {
  readonly version: 1;
  readonly server: string;
  readonly database: string;
  readonly instances: Readonly<Record<string, CdcInstanceCheckpoint>>;
  readonly snapshot: CdcSnapshotCheckpoint;
  readonly updatedAt: string;
  readonly writer: { readonly instanceId: string };
}

/** Checkpoint changes the source makes itself (no event carries them). */
export type CdcControlUpdate =
  /** Idle advancement (or the end of a window whose last event was already committed). */
  | { readonly kind: 'advance'; readonly instance: CaptureInstanceIdentity; readonly position: CdcPosition }
  /** A dropped capture instance leaves the document. */
  | { readonly kind: 'remove'; readonly captureInstance: string }
  /** A snapshot starts: its LSN, tables, and the instance positions streaming resumes from afterwards. */
  | {
      readonly kind: 'snapshot-start';
      readonly id: string;
      readonly lsn: Lsn;
      readonly reason: string;
      readonly tables: readonly string[];
      readonly instances: readonly { readonly instance: CaptureInstanceIdentity; readonly position: CdcPosition }[];
    }
  /** A table's snapshot ended on a chunk boundary (no event marked it done). */
  | { readonly kind: 'snapshot-table-done'; readonly table: string };

type CommitItem = CdcOffset | CdcControlUpdate;

/** Called after each successful commit with what it stored. */
export type CommitListener = (items: readonly CommitItem[]) => void;

/** The partition of an offset: its capture instance, or its table for snapshot reads. */
export function offsetPartition(offset: CdcOffset): string {
  return offset.kind === 'change' ? `ci:${offset.instance.captureInstance}` : `snapshot:${offset.table}`;
}

/** Orders two offsets of one partition. */
export function compareOffsets(a: CdcOffset, b: CdcOffset): number {
  if (a.kind === 'change' && b.kind === 'change') return comparePosition(a.position, b.position);
  if (a.kind === 'snapshot' && b.kind === 'snapshot') return a.lsn < b.lsn ? -1 : a.lsn > b.lsn ? 1 : a.rows - b.rows; // a later snapshot has a higher LSN
  return a.seq - b.seq;
}

/** Options of `CdcCheckpointer`. */
export interface CdcCheckpointerOptions {
  /** Written into the document as `writer.instanceId`. */
  readonly instanceId: string;
  /** The clock of `updatedAt` (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * The committable of the SQL Server CDC source: stores committed offsets (and the source's own control updates)
 * in one checkpoint document per database through a `CheckpointCommitter` (optimistic concurrency, serialized
 * writes; fenced by the lease when the store is a `BlobCheckpointStore`). Positions never move backwards.
 */
export class CdcCheckpointer implements Committable<CdcOffset> {
  private committer: CheckpointCommitter<CommitItem, CdcCheckpoint> | undefined;
  private readonly listeners = new Set<CommitListener>();
  private controlSeq = 0;
  private scope = { server: '', database: '' };

  constructor(
    private readonly store: CheckpointStore<CdcCheckpoint>,
    private readonly options: CdcCheckpointerOptions,
  ) {}

  partitionOf(offset: CdcOffset): string {
    return offsetPartition(offset);
  }

  compare(a: CdcOffset, b: CdcOffset): number {
    return compareOffsets(a, b);
  }

  /** Opens the document at `key` for this run (as the owner) and returns it. */
  async open(key: string, scope: { readonly server: string; readonly database: string }): Promise<CdcCheckpoint | undefined> {
    this.scope = { server: scope.server, database: scope.database };
    this.committer = new CheckpointCommitter<CommitItem, CdcCheckpoint>(this.store, key, {
      partitionOf: (item) => ('seq' in item ? offsetPartition(item) : `control:${++this.controlSeq}`),
      merge: (current, items) => this.merge(current, items.values()),
    });
    return this.committer.load();
  }

  /** Stores acknowledged offsets (called by `Committer.sink`). */
  async commit(offsets: readonly CdcOffset[]): Promise<void> {
    await this.write(offsets);
  }

  /** Stores the source's own updates (idle advancement, snapshot bookkeeping, removed instances). */
  async commitControl(updates: readonly CdcControlUpdate[]): Promise<void> {
    await this.write(updates);
  }

  /** Calls `listener` after every successful commit; returns the unsubscribe function. */
  subscribe(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async write(items: readonly CommitItem[]): Promise<void> {
    const committer = this.committer;
    if (!committer) throw new Error('SqlServerCdcSource: offsets committed before the source opened its checkpoint (commit only offsets this source emitted)');
    if (items.length === 0) return;
    await committer.commit(items);
    for (const listener of this.listeners) listener(items);
  }

  private merge(current: CdcCheckpoint | undefined, items: Iterable<CommitItem>): CdcCheckpoint {
    const instances: Record<string, CdcInstanceCheckpoint> = { ...current?.instances };
    let snapshot: CdcSnapshotCheckpoint = current?.snapshot ?? { status: 'none', tables: {} };
    const tables = (): Record<string, CdcSnapshotTableCheckpoint> => ({ ...snapshot.tables });
    const place = (identity: CaptureInstanceIdentity, position: CdcPosition): void => {
      const existing = instances[identity.captureInstance];
      const same = existing !== undefined && existing.ciCreateDate === identity.createDate;
      instances[identity.captureInstance] = {
        sourceTable: identity.sourceTable,
        ciStartLsn: same ? existing.ciStartLsn : identity.startLsn,
        ciCreateDate: identity.createDate,
        position: same ? laterPosition(existing.position, position) : position,
      };
    };
    for (const item of items) {
      switch (item.kind) {
        case 'change':
        case 'advance':
          place(item.instance, item.position);
          break;
        case 'remove':
          delete instances[item.captureInstance];
          break;
        case 'snapshot': {
          if (snapshot.lsn !== item.lsn) break; // a read of an earlier snapshot, committed after a new one started
          const t = tables();
          const before = t[item.table];
          t[item.table] = before && before.rows >= item.rows ? before : { rows: item.rows, lastKey: item.lastKey, done: item.done || (before?.done ?? false) };
          snapshot = withStatus({ ...snapshot, tables: t });
          break;
        }
        case 'snapshot-table-done': {
          const t = tables();
          t[item.table] = { ...(t[item.table] ?? { rows: 0, lastKey: null }), done: true };
          snapshot = withStatus({ ...snapshot, tables: t });
          break;
        }
        case 'snapshot-start':
          snapshot = {
            status: item.tables.length === 0 ? 'done' : 'running',
            id: item.id,
            lsn: item.lsn,
            reason: item.reason,
            tables: Object.fromEntries(item.tables.map((t) => [t, { rows: 0, lastKey: null, done: false }])),
          };
          for (const { instance, position } of item.instances) place(instance, position);
          break;
      }
    }
    return {
      version: 1,
      server: this.scope.server,
      database: this.scope.database,
      instances,
      snapshot,
      updatedAt: new Date((this.options.now ?? Date.now)()).toISOString(),
      writer: { instanceId: this.options.instanceId },
    };
  }
}

function withStatus(snapshot: CdcSnapshotCheckpoint): CdcSnapshotCheckpoint {
  const all = Object.values(snapshot.tables);
  return snapshot.status === 'running' && all.every((t) => t.done) ? { ...snapshot, status: 'done' } : snapshot;
}

/** A checkpoint key for a server and database: `sqlserver-cdc/<server>/<database>` (characters a key may not hold become `_`). */
export function cdcCheckpointKey(server: string, database: string): string {
  const clean = (s: string): string => s.replace(/[\\/\u0000-\u001f]/g, '_').replace(/^\.{1,2}$/, '_') || '_';
  return `sqlserver-cdc/${clean(server.toLowerCase())}/${clean(database)}`;
}

/** Compares positions for the committed-position bookkeeping (re-exported for the stage). */
export { comparePosition };
