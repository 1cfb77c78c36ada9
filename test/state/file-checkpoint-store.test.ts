import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CheckpointFormatError, FileCheckpointStore, type CheckpointSchema } from 'tributary';
import { describeCheckpointStoreContract } from '../support/checkpoint-store-contract';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-checkpoints-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeCheckpointStoreContract('FileCheckpointStore', async () => {
  const directory = tempDir();
  return { open: <T>(schema?: CheckpointSchema<T>) => new FileCheckpointStore<T>({ directory, schema }) };
});

describe('FileCheckpointStore', () => {
  it('stores each key as <directory>/<segments>.json, URI-encoding each segment', async () => {
    const directory = tempDir();
    const store = new FileCheckpointStore<number>({ directory });
    await store.save('sql 1/db:orders', 5, undefined);
    const file = path.join(directory, 'sql%201', 'db%3Aorders.json');
    expect(store.pathOf('sql 1/db:orders')).toBe(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ schemaVersion: 1, value: 5 });
  });

  it('uses the SHA-256 of the file as the version, so an outside edit is a conflict', async () => {
    const directory = tempDir();
    const store = new FileCheckpointStore<number>({ directory });
    const version = await store.save('k', 1, undefined);
    expect(version).toBe(createHash('sha256').update(readFileSync(store.pathOf('k'))).digest('hex'));
    writeFileSync(store.pathOf('k'), '{"schemaVersion":1,"value":2}');
    await expect(store.save('k', 3, version)).rejects.toMatchObject({ name: 'CheckpointConflictError', expectedVersion: version });
  });

  it('leaves no temporary file behind and removes those of dead processes', async () => {
    const directory = tempDir();
    await mkdir(path.join(directory, 'a'));
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max: never a live process
    const orphan = path.join(directory, 'a', `k.json.${deadPid}.tmp`);
    const live = path.join(directory, 'a', `k.json.${process.ppid}.tmp`);
    writeFileSync(orphan, '{"torn');
    writeFileSync(live, '{"in progress');
    const store = new FileCheckpointStore<number>({ directory });
    await store.save('a/k', 1, undefined);
    expect(existsSync(orphan)).toBe(false);
    expect(readdirSync(path.join(directory, 'a')).sort()).toEqual([path.basename(live), 'k.json'].sort());
  });

  it('serializes writers in one process: of two saves on the same version, exactly one wins', async () => {
    const store = new FileCheckpointStore<number>({ directory: tempDir() });
    const v1 = await store.save('k', 1, undefined);
    const results = await Promise.allSettled([store.save('k', 2, v1), store.save('k', 3, v1)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((await store.load('k'))?.value).toBe(2);
  });

  it('reports a corrupt file with its path', async () => {
    const directory = tempDir();
    const store = new FileCheckpointStore<number>({ directory });
    writeFileSync(path.join(directory, 'k.json'), '');
    const error = await store.load('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect((error as Error).message).toContain(path.join(directory, 'k.json'));
  });

  it('validates its options', () => {
    expect(() => new FileCheckpointStore({ directory: '' })).toThrow('FileCheckpointStore: directory must be a non-empty path');
  });
});
