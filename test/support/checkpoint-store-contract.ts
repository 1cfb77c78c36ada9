import { CheckpointConflictError, CheckpointFormatError, type CheckpointSchema, type CheckpointStore } from 'tributary';

/** Storage shared by the stores it opens (so a store with another schema sees the same documents). */
export interface StoreBackend {
  open<T>(schema?: CheckpointSchema<T>): CheckpointStore<T>;
}

interface Doc {
  readonly offset: number;
  readonly note?: string;
}

/**
 * The behaviour every `CheckpointStore` shares. `backend` is called once per test; `sharedStorage` says whether
 * two stores it opens see the same documents (not so for the in-memory store).
 */
export function describeCheckpointStoreContract(name: string, backend: () => Promise<StoreBackend>, sharedStorage = true): void {
  describe(`${name} (CheckpointStore contract)`, () => {
    let store: CheckpointStore<Doc>;
    let storage: StoreBackend;
    beforeEach(async () => {
      storage = await backend();
      store = storage.open<Doc>();
    });

    it('loads undefined when there is no checkpoint', async () => {
      expect(await store.load('orders')).toBeUndefined();
    });

    it('round-trips a value with its version, and a new save gives a new version', async () => {
      const v1 = await store.save('orders', { offset: 1, note: 'ü ✓' }, undefined);
      expect(await store.load('orders')).toEqual({ value: { offset: 1, note: 'ü ✓' }, version: v1 });
      const v2 = await store.save('orders', { offset: 2 }, v1);
      expect(v2).not.toBe(v1);
      expect(await store.load('orders')).toEqual({ value: { offset: 2 }, version: v2 });
    });

    it('keeps keys apart, including nested ones', async () => {
      await store.save('sql-1/orders', { offset: 1 }, undefined);
      await store.save('sql-1/orders/archive', { offset: 2 }, undefined);
      await store.save('sql-2/orders', { offset: 3 }, undefined);
      expect((await store.load('sql-1/orders'))?.value.offset).toBe(1);
      expect((await store.load('sql-1/orders/archive'))?.value.offset).toBe(2);
      expect((await store.load('sql-2/orders'))?.value.offset).toBe(3);
    });

    it('refuses a stale version with CheckpointConflictError and keeps the stored value', async () => {
      const v1 = await store.save('orders', { offset: 1 }, undefined);
      const v2 = await store.save('orders', { offset: 2 }, v1);
      const error = await store.save('orders', { offset: 99 }, v1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointConflictError);
      expect(error).toMatchObject({ key: 'orders', expectedVersion: v1, actualVersion: v2 });
      expect((await store.load('orders'))?.value.offset).toBe(2);
    });

    it('refuses to create a checkpoint that already exists', async () => {
      const v1 = await store.save('orders', { offset: 1 }, undefined);
      await expect(store.save('orders', { offset: 2 }, undefined)).rejects.toMatchObject({
        name: 'CheckpointConflictError',
        expectedVersion: undefined,
        actualVersion: v1,
      });
    });

    it('concurrent writers with the same expected version: exactly one wins, the other gets a conflict', async () => {
      const v1 = await store.save('orders', { offset: 1 }, undefined);
      const other = storage.open<Doc>();
      const results = await Promise.allSettled([store.save('orders', { offset: 10 }, v1), other.save('orders', { offset: 20 }, v1)]);
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, version: r.value }] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(CheckpointConflictError);
      expect(await store.load('orders')).toEqual({ value: { offset: won[0]?.i === 0 ? 10 : 20 }, version: won[0]?.version });
    });

    it('concurrent creators: exactly one wins', async () => {
      const results = await Promise.allSettled([1, 2, 3].map((offset) => storage.open<Doc>().save('new', { offset }, undefined)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(CheckpointConflictError);
    });

    it('deletes: conditionally, unconditionally, and a missing key without a version is a no-op', async () => {
      const v1 = await store.save('orders', { offset: 1 }, undefined);
      const v2 = await store.save('orders', { offset: 2 }, v1);
      await expect(store.delete('orders', v1)).rejects.toBeInstanceOf(CheckpointConflictError);
      await store.delete('orders', v2);
      expect(await store.load('orders')).toBeUndefined();
      await store.delete('orders');
      await expect(store.delete('orders', v2)).rejects.toBeInstanceOf(CheckpointConflictError);
      await store.save('orders', { offset: 3 }, undefined);
      await store.delete('orders');
      expect(await store.load('orders')).toBeUndefined();
    });

    it('rejects bad keys naming the key', async () => {
      for (const key of ['', 'a//b', '../etc/passwd', 'a/./b', 'back\\slash', 'ctl\u0001']) {
        await expect(store.load(key)).rejects.toThrow(JSON.stringify(key));
        await expect(store.save(key, { offset: 1 }, undefined)).rejects.toThrow(TypeError);
      }
    });

    if (sharedStorage) {
      describeSchemaVersions(() => storage);
    }
  });
}

function describeSchemaVersions(backend: () => StoreBackend): void {
  describe('schema versions', () => {
    it('refuses a document written by a newer schema version, naming both versions', async () => {
      await backend().open<Doc>({ version: 3 }).save('orders', { offset: 1 }, undefined);
      const error = await backend().open<Doc>({ version: 2 }).load('orders').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointFormatError);
      expect((error as Error).message).toMatch(/schema version 3, but this program reads up to version 2/);
    });

    it('upgrades an older document with schema.upgrade, and refuses it without', async () => {
      await backend().open<{ lsn: number }>({ version: 1 }).save('orders', { lsn: 7 }, undefined);
      const upgraded = backend().open<Doc>({ version: 2, upgrade: (v, from) => ({ offset: (v as { lsn: number }).lsn, note: `from v${from}` }) });
      expect((await upgraded.load('orders'))?.value).toEqual({ offset: 7, note: 'from v1' });
      await expect(backend().open<Doc>({ version: 2 }).load('orders')).rejects.toThrow(/schema version 1, older .* no schema.upgrade/);
    });
  });
}
