/**
 * A `FileStore` on the local file system: each file is written under a hidden temporary name next to its final
 * name and renamed into place when committed (fsync before and after), as the NDJSON file sink and the file
 * checkpoint store do. The embedded default for examples and tests.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { AtomicFile, writeFileAtomically } from '../../src/state/durable-fs';
import { requireRelativePath, type FileStore, type FileUpload } from './file-store';

/**
 * A store writing under `directory` (created on first use). Files are invisible (hidden `.name.tmp`) until
 * committed; `list` skips hidden files. A crash can leave hidden temporary files behind; they are never listed.
 * @example rows.via(toRecordBatches({ inferFrom: 'first' })).runWith(lakeSink({ store: localStore('./lake'), format: 'parquet', streamId: 'orders' }))
 */
export function localStore(directory: string): FileStore {
  if (typeof directory !== 'string' || directory === '') throw new TypeError(`localStore: directory must be a non-empty string, got ${JSON.stringify(directory)}`);
  const root = path.resolve(directory);
  const full = (p: string, op: string): string => path.join(root, ...requireRelativePath(op, p).split('/'));
  return {
    description: `folder '${root}'`,
    async create(p) {
      const file = full(p, 'localStore.create');
      await mkdir(path.dirname(file), { recursive: true });
      const atomic = await AtomicFile.create(file);
      const upload: FileUpload = {
        async append(chunks) {
          for (const c of chunks) await atomic.write(c);
        },
        commit: () => atomic.commit(),
        abort: () => atomic.discard(),
      };
      return upload;
    },
    async put(p, bytes) {
      const file = full(p, 'localStore.put');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomically(file, bytes, { overwriteTemp: true });
    },
    async list(prefix = '') {
      const out: string[] = [];
      const walk = async (dir: string, rel: string): Promise<void> => {
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw e;
        }
        for (const e of entries) {
          if (e.name.startsWith('.')) continue;
          const r = rel === '' ? e.name : `${rel}/${e.name}`;
          if (e.isDirectory()) {
            if (prefix.startsWith(`${r}/`) || r.startsWith(prefix) || prefix.startsWith(r)) await walk(path.join(dir, e.name), r);
          } else if (r.startsWith(prefix)) out.push(r);
        }
      };
      await walk(root, '');
      return out.sort();
    },
    async read(p) {
      return readFile(full(p, 'localStore.read'));
    },
  };
}
