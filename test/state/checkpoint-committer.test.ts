import { CheckpointCommitter, CheckpointConflictError, InMemoryCheckpointStore, type CheckpointStore, type PartitionOffsets, type Versioned } from 'tributary';

interface Offset {
  readonly table: string;
  readonly lsn: number;
}
const byTable = (o: Offset): string => o.table;

/** A store whose saves wait until released, counting how many run at once. */
class GatedStore<T> implements CheckpointStore<T> {
  readonly inner = new InMemoryCheckpointStore<T>();
  running = 0;
  maxRunning = 0;
  readonly saved: T[] = [];
  private gates: (() => void)[] = [];
  load(key: string): Promise<Versioned<T> | undefined> {
    return this.inner.load(key);
  }
  async save(key: string, value: T, expectedVersion: string | undefined): Promise<string> {
    this.maxRunning = Math.max(this.maxRunning, ++this.running);
    await new Promise<void>((resolve) => this.gates.push(resolve));
    this.running--;
    this.saved.push(value);
    return this.inner.save(key, value, expectedVersion);
  }
  delete(key: string, expectedVersion?: string): Promise<void> {
    return this.inner.delete(key, expectedVersion);
  }
  /** Lets the oldest waiting save proceed (after letting queued work reach the gate). */
  async openGate(): Promise<void> {
    for (let i = 0; i < 10 && this.gates.length === 0; i++) await Promise.resolve();
    this.gates.shift()?.();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
}

describe('CheckpointCommitter', () => {
  it('merges per-partition offsets into one document, keeping partitions not in the commit', async () => {
    const store = new InMemoryCheckpointStore<PartitionOffsets<Offset>>();
    const committer = CheckpointCommitter.perPartition(store, 'db/orders', { partitionOf: byTable });
    expect(await committer.load()).toBeUndefined();
    await committer.commit([{ table: 'a', lsn: 1 }, { table: 'b', lsn: 5 }]);
    await committer.commit([{ table: 'a', lsn: 3 }]);
    expect((await store.load('db/orders'))?.value).toEqual({ offsets: { a: { table: 'a', lsn: 3 }, b: { table: 'b', lsn: 5 } } });
    expect(committer.partitionOf({ table: 'x', lsn: 0 })).toBe('x');
    expect(committer.compare).toBeUndefined();
  });

  it('offers the compare function it was given to the committer sink', () => {
    const compare = (a: Offset, b: Offset): number => a.lsn - b.lsn;
    const committer = CheckpointCommitter.perPartition(new InMemoryCheckpointStore<PartitionOffsets<Offset>>(), 'k', { partitionOf: byTable, compare });
    expect(committer.compare).toBe(compare);
  });

  it('takes the later of two offsets of one partition in a commit, and writes nothing for an empty commit', async () => {
    const store = new InMemoryCheckpointStore<PartitionOffsets<Offset>>();
    const save = jest.spyOn(store, 'save');
    const committer = CheckpointCommitter.perPartition(store, 'k', { partitionOf: byTable });
    await committer.commit([]);
    expect(save).not.toHaveBeenCalled();
    await committer.commit([{ table: 'a', lsn: 1 }, { table: 'a', lsn: 2 }]);
    expect((await store.load('k'))?.value.offsets).toEqual({ a: { table: 'a', lsn: 2 } });
  });

  it('resumes from the stored document: loads it and saves with its version', async () => {
    const store = new InMemoryCheckpointStore<PartitionOffsets<Offset>>();
    await store.save('k', { offsets: { a: { table: 'a', lsn: 7 } } }, undefined);
    const committer = CheckpointCommitter.perPartition(store, 'k', { partitionOf: byTable });
    expect(await committer.load()).toEqual({ offsets: { a: { table: 'a', lsn: 7 } } });
    await committer.commit([{ table: 'b', lsn: 1 }]);
    expect((await store.load('k'))?.value.offsets).toEqual({ a: { table: 'a', lsn: 7 }, b: { table: 'b', lsn: 1 } });
  });

  it('loads by itself on the first commit when load() was not called', async () => {
    const store = new InMemoryCheckpointStore<PartitionOffsets<Offset>>();
    await store.save('k', { offsets: { a: { table: 'a', lsn: 7 } } }, undefined);
    await CheckpointCommitter.perPartition(store, 'k', { partitionOf: byTable }).commit([{ table: 'b', lsn: 1 }]);
    expect(Object.keys((await store.load('k'))!.value.offsets)).toEqual(['a', 'b']);
  });

  it('fails with CheckpointConflictError, and does not overwrite, when another writer saved in between', async () => {
    const store = new InMemoryCheckpointStore<PartitionOffsets<Offset>>();
    const committer = CheckpointCommitter.perPartition(store, 'k', { partitionOf: byTable });
    await committer.commit([{ table: 'a', lsn: 1 }]);
    const other = await store.load('k');
    await store.save('k', { offsets: { a: { table: 'a', lsn: 100 } } }, other?.version);
    await expect(committer.commit([{ table: 'a', lsn: 2 }])).rejects.toBeInstanceOf(CheckpointConflictError);
    expect((await store.load('k'))?.value.offsets.a?.lsn).toBe(100);
  });

  it('serializes commits: one save at a time, in call order, each on the version the previous one wrote', async () => {
    const store = new GatedStore<PartitionOffsets<Offset>>();
    const committer = CheckpointCommitter.perPartition(store, 'k', { partitionOf: byTable });
    const commits = [1, 2, 3].map((lsn) => committer.commit([{ table: 'a', lsn }]));
    for (let i = 0; i < 3; i++) await store.openGate();
    await Promise.all(commits);
    expect(store.maxRunning).toBe(1);
    expect(store.saved.map((d) => d.offsets.a?.lsn)).toEqual([1, 2, 3]);
  });

  it('goes on after a failed commit, retrying on the version it last knew', async () => {
    const store = new InMemoryCheckpointStore<PartitionOffsets<Offset>>();
    const committer = CheckpointCommitter.perPartition(store, 'k', { partitionOf: byTable });
    jest.spyOn(store, 'save').mockRejectedValueOnce(new Error('disk full'));
    await expect(committer.commit([{ table: 'a', lsn: 1 }])).rejects.toThrow('disk full');
    await committer.commit([{ table: 'a', lsn: 2 }]);
    expect((await store.load('k'))?.value.offsets.a?.lsn).toBe(2);
  });

  it('uses a custom merge for richer documents', async () => {
    interface Doc {
      readonly server: string;
      readonly positions: Readonly<Record<string, number>>;
    }
    const store = new InMemoryCheckpointStore<Doc>();
    const committer = new CheckpointCommitter<Offset, Doc>(store, 'k', {
      partitionOf: byTable,
      merge: (current, offsets) => ({
        server: 'sql-1',
        positions: { ...current?.positions, ...Object.fromEntries([...offsets].map(([t, o]) => [t, o.lsn])) },
      }),
    });
    await committer.commit([{ table: 'a', lsn: 4 }]);
    expect((await store.load('k'))?.value).toEqual({ server: 'sql-1', positions: { a: 4 } });
  });

  it('validates its arguments', () => {
    const store = new InMemoryCheckpointStore<PartitionOffsets<Offset>>();
    expect(() => CheckpointCommitter.perPartition(store, '', { partitionOf: byTable })).toThrow('CheckpointCommitter: key "" must be a non-empty string');
    expect(() => CheckpointCommitter.perPartition(store, 'k', { partitionOf: undefined as never })).toThrow(
      'CheckpointCommitter: partitionOf must be a function, got undefined',
    );
    expect(() => CheckpointCommitter.perPartition(store, 'k', { partitionOf: byTable, compare: 1 as never })).toThrow(
      'CheckpointCommitter: compare must be a function, got number',
    );
  });
});
