import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { localStore } from 'tributary/sinks/blob';
import { lakeScenarios } from './lake-scenarios';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under `root`, relative, with `/`. */
function walk(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split('\\').join('/'));
}

describe('lake sink on a local folder', () => {
  lakeScenarios(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lake-'));
    const store = localStore(dir);
    return {
      store,
      visible: () => store.list(),
      staged: async () => walk(dir).filter((p) => p.split('/').pop()!.startsWith('.')),
    };
  });

  it('lists by prefix, and refuses paths outside the folder', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lake-'));
    const store = localStore(dir);
    await store.put('a/b/one.txt', Buffer.from('1'), 'text/plain');
    await store.put('a/c/two.txt', Buffer.from('2'), 'text/plain');
    await store.put('ab.txt', Buffer.from('3'), 'text/plain');
    expect(await store.list()).toEqual(['a/b/one.txt', 'a/c/two.txt', 'ab.txt']);
    expect(await store.list('a/')).toEqual(['a/b/one.txt', 'a/c/two.txt']);
    expect(await store.list('a/b')).toEqual(['a/b/one.txt']);
    expect(await store.list('nothing/')).toEqual([]);
    expect(Buffer.from(await store.read('a/c/two.txt')).toString()).toBe('2');
    await expect(store.create('../escape', 'text/plain')).rejects.toThrow("localStore.create: path \"../escape\" must be '/'-separated segments, none of them empty, '.' or '..'");
    expect(() => localStore('')).toThrow('localStore: directory must be a non-empty string');
  });
});
