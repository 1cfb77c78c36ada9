import { InMemoryCheckpointStore } from 'tributary';
import type { CdcCheckpoint, CdcOffset, CdcPosition } from 'tributary/sources/sql-server-cdc';
import { CdcCheckpointer, cdcCheckpointKey } from '../../../sources/sql-server-cdc/checkpoint';

const L = (n: number): string => n.toString(16).padStart(20, '0');
const ci = { captureInstance: 'dbo_X', sourceTable: 'dbo.X', startLsn: L(1), createDate: '2024-01-01 00:00:00.000' };
const change = (position: CdcPosition, seq = 1): CdcOffset => ({
  kind: 'change',
  instance: ci,
  position,
  seq,
});

async function opened(): Promise<{ store: InMemoryCheckpointStore<CdcCheckpoint>; cp: CdcCheckpointer; doc: () => Promise<CdcCheckpoint> }> {
  const store = new InMemoryCheckpointStore<CdcCheckpoint>();
  const cp = new CdcCheckpointer(store, { instanceId: 'test', now: () => Date.parse('2024-05-01T00:00:00Z') });
  await cp.open('k', { server: 'sql-1', database: 'Sales' });
  return { store, cp, doc: async () => (await store.load('k'))!.value };
}

describe('the CDC checkpoint document', () => {
  it('stores one position per capture instance (§4.2 shape); positions never move backwards', async () => {
    const { cp, doc } = await opened();
    await cp.commit([change({ kind: 'within', lsn: L(10), seqval: L(5), op: 2 })]);
    expect(await doc()).toEqual({
      version: 1,
      server: 'sql-1',
      database: 'Sales',
      instances: { dbo_X: { sourceTable: 'dbo.X', ciStartLsn: L(1), ciCreateDate: '2024-01-01 00:00:00.000', position: { kind: 'within', lsn: L(10), seqval: L(5), op: 2 } } },
      snapshot: { status: 'none', tables: {} },
      updatedAt: '2024-05-01T00:00:00.000Z',
      writer: { instanceId: 'test' },
    });
    await cp.commitControl([{ kind: 'advance', instance: ci, position: { kind: 'through', lsn: L(9) } }]);
    expect((await doc()).instances['dbo_X']!.position).toEqual({ kind: 'within', lsn: L(10), seqval: L(5), op: 2 });
    await cp.commit([change({ kind: 'through', lsn: L(10) })]);
    expect((await doc()).instances['dbo_X']!.position).toEqual({ kind: 'through', lsn: L(10) });
    await cp.commitControl([{ kind: 'remove', captureInstance: 'dbo_X' }]);
    expect((await doc()).instances).toEqual({});
  });

  it('tracks a snapshot: start, per-table progress, done when every table is; reads of an older snapshot are ignored', async () => {
    const { cp, doc } = await opened();
    await cp.commitControl([{ kind: 'snapshot-start', id: 's1', lsn: L(20), reason: 'initial', tables: ['dbo.X', 'dbo.Y'], instances: [{ instance: ci, position: { kind: 'through', lsn: L(20) } }] }]);
    expect((await doc()).snapshot).toEqual({ status: 'running', id: 's1', lsn: L(20), reason: 'initial', tables: { 'dbo.X': { rows: 0, lastKey: null, done: false }, 'dbo.Y': { rows: 0, lastKey: null, done: false } } });
    expect((await doc()).instances['dbo_X']!.position).toEqual({ kind: 'through', lsn: L(20) });
    await cp.commit([{ kind: 'snapshot', table: 'dbo.X', lsn: L(20), rows: 2, lastKey: [2], done: true, seq: 2 }]);
    await cp.commit([{ kind: 'snapshot', table: 'dbo.X', lsn: L(20), rows: 1, lastKey: [1], done: false, seq: 1 }]); // stale
    expect((await doc()).snapshot.tables['dbo.X']).toEqual({ rows: 2, lastKey: [2], done: true });
    expect((await doc()).snapshot.status).toBe('running');
    await cp.commitControl([{ kind: 'snapshot-table-done', table: 'dbo.Y' }]);
    expect((await doc()).snapshot.status).toBe('done');
    await cp.commitControl([{ kind: 'snapshot-start', id: 's2', lsn: L(30), reason: 'data-loss', tables: ['dbo.X'], instances: [] }]);
    await cp.commit([{ kind: 'snapshot', table: 'dbo.X', lsn: L(20), rows: 5, lastKey: [5], done: false, seq: 3 }]); // from s1
    expect((await doc()).snapshot.tables['dbo.X']).toEqual({ rows: 0, lastKey: null, done: false });
  });

  it('orders offsets per partition for the committer, and builds keys a store accepts', () => {
    const cp = new CdcCheckpointer(new InMemoryCheckpointStore<CdcCheckpoint>(), { instanceId: 'x' });
    const a = change({ kind: 'within', lsn: L(10), seqval: L(5), op: 3 });
    const b = change({ kind: 'within', lsn: L(10), seqval: L(5), op: 4 });
    const c = change({ kind: 'through', lsn: L(10) });
    expect([cp.compare(a, b) < 0, cp.compare(b, c) < 0, cp.compare(c, a) > 0]).toEqual([true, true, true]);
    expect(cp.partitionOf(a)).toBe('ci:dbo_X');
    expect(cp.partitionOf({ kind: 'snapshot', table: 'dbo.X', lsn: L(1), rows: 1, lastKey: [1], done: false, seq: 1 })).toBe('snapshot:dbo.X');
    expect(cdcCheckpointKey('SQL\\INST1', 'Sales')).toBe('sqlserver-cdc/sql_inst1/Sales');
    return expect(cp.commit([a])).rejects.toThrow(/committed before the source opened its checkpoint/);
  });
});
