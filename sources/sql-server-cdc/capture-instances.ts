import { capturedColumn, type CapturedColumn } from './columns';
import type { StatementRunner } from './client';
import { lsnFromBuffer, type Lsn } from './lsn';
import { Statements } from './statements';
import type { CaptureInstanceIdentity } from './types';

/** A capture instance as `cdc.change_tables` describes it now. */
export interface CaptureInstance {
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  /** `schema.table`. */
  readonly sourceTable: string;
  /** The change table's object id (keys `cdc.captured_columns`). */
  readonly objectId: number;
  readonly sourceObjectId: number;
  /** `start_lsn`: the low end of the validity interval (cleanup moves it up). */
  readonly startLsn: Lsn;
  /** `sys.fn_cdc_get_min_lsn(ci)`: zero when the login may not read the instance. */
  readonly minLsn: Lsn;
  readonly createDate: string;
  readonly indexName: string | null;
}

/** A capture instance with its columns. */
export interface DescribedInstance extends CaptureInstance {
  readonly columns: readonly CapturedColumn[];
  /** The key columns (`cdc.index_columns`), in key order; empty for a table without a key. */
  readonly keyColumns: readonly CapturedColumn[];
}

/** The identity the checkpoint records for an instance. */
export function identityOf(ci: CaptureInstance, firstStartLsn: Lsn = ci.startLsn): CaptureInstanceIdentity {
  return { captureInstance: ci.name, sourceTable: ci.sourceTable, startLsn: firstStartLsn, createDate: ci.createDate };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const lsnOrZero = (v: unknown, what: string): Lsn => (v instanceof Uint8Array ? lsnFromBuffer(v, what) : '00000000000000000000');

/** Reads `cdc.change_tables` (one statement). */
export async function listCaptureInstances(db: StatementRunner): Promise<CaptureInstance[]> {
  const { rows } = await db.run(Statements.captureInstances());
  return rows.map((r) => {
    const schema = str(r[1]);
    const table = str(r[2]);
    const name = str(r[0]);
    return {
      name,
      schema,
      table,
      sourceTable: `${schema}.${table}`,
      objectId: num(r[3]),
      sourceObjectId: num(r[4]),
      startLsn: lsnOrZero(r[5], `start_lsn of ${name}`),
      createDate: str(r[6]),
      minLsn: lsnOrZero(r[7], `min LSN of ${name}`),
      indexName: r[9] === null || r[9] === undefined ? null : String(r[9]),
    };
  });
}

/**
 * Adds columns and key columns to capture instances, reading `cdc.captured_columns` and `cdc.index_columns` (two
 * statements) only when `instances` holds one not in `known` (columns never change for a given instance).
 */
export class InstanceDescriber {
  private readonly cache = new Map<string, { readonly columns: readonly CapturedColumn[]; readonly keys: readonly CapturedColumn[] }>();

  constructor(private readonly db: StatementRunner) {}

  async describe(instances: readonly CaptureInstance[]): Promise<DescribedInstance[]> {
    const cacheKey = (ci: CaptureInstance): string => `${ci.objectId}|${ci.name}|${ci.createDate}`;
    if (instances.some((ci) => !this.cache.has(cacheKey(ci)))) {
      const columnRows = (await this.db.run(Statements.capturedColumns())).rows;
      const keyRows = (await this.db.run(Statements.indexColumns())).rows;
      const columnsByObject = new Map<number, CapturedColumn[]>();
      for (const r of columnRows) {
        const list = columnsByObject.get(num(r[0])) ?? [];
        list.push(capturedColumn(str(r[1]), num(r[2]), str(r[3]), r[5] === null ? null : num(r[5]), num(r[4]) === 1));
        columnsByObject.set(num(r[0]), list);
      }
      const keysByObject = new Map<number, string[]>();
      for (const r of keyRows) {
        const list = keysByObject.get(num(r[0])) ?? [];
        list.push(str(r[1]));
        keysByObject.set(num(r[0]), list);
      }
      for (const ci of instances) {
        const columns = (columnsByObject.get(ci.objectId) ?? []).sort((a, b) => a.ordinal - b.ordinal);
        const keys = (keysByObject.get(ci.objectId) ?? []).flatMap((k) => columns.filter((c) => c.name === k));
        this.cache.set(cacheKey(ci), { columns, keys });
      }
    }
    return instances.map((ci) => {
      const d = this.cache.get(cacheKey(ci))!;
      return { ...ci, columns: d.columns, keyColumns: d.keys };
    });
  }
}
