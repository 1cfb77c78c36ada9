/**
 * Child process for the crash-safety test: saves ever larger-numbered checkpoints to a FileCheckpointStore as
 * fast as it can and prints `saved <n>` after each save resolved, until it is killed.
 * Usage: node -r ./test/support/ts-register.js test/support/file-store-writer.ts <directory> <key>
 */
import { createHash } from 'node:crypto';
import { FileCheckpointStore } from '../../src/state/file-checkpoint-store';

export interface WriterCheckpoint {
  readonly n: number;
  readonly payload: string;
  readonly sha256: string;
}

async function main(directory: string, key: string): Promise<void> {
  const store = new FileCheckpointStore<WriterCheckpoint>({ directory });
  let current = await store.load(key);
  for (let n = (current?.value.n ?? 0) + 1; ; n++) {
    const payload = String(n % 10).repeat(1024 * 1024 + ((n * 7919) % 1_048_576)); // 1..2 MiB, varying length
    const value = { n, payload, sha256: createHash('sha256').update(payload).digest('hex') };
    const version = await store.save(key, value, current?.version);
    current = { value, version };
    process.stdout.write(`saved ${n}\n`);
  }
}

const [directory, key] = process.argv.slice(2);
main(directory ?? '.', key ?? 'crash').catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
