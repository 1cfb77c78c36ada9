import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileCheckpointStore } from 'tributary';
import type { WriterCheckpoint } from '../support/file-store-writer';

const support = path.resolve(__dirname, '../support');
const KILLS = 20;

/** When to kill the writer: at a random moment, or as soon as it creates its temporary file (mid-write). */
type KillAt = 'random' | 'temp-file-created';

/** Runs the writer child until it has acknowledged a save, then SIGKILLs it (see `KillAt`); resolves the last ack. */
function runAndKill(directory: string, killAt: KillAt): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', path.join(support, 'ts-register.js'), path.join(support, 'file-store-writer.ts'), directory, 'crash'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const kill = (): void => void child.kill('SIGKILL');
    const watcher = watch(directory, (_, name) => {
      if (killAt === 'temp-file-created' && acked > 0 && name?.endsWith('.tmp')) kill();
    });
    let out = '';
    let err = '';
    let acked = 0;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) acked = Math.max(acked, Number(/^saved (\d+)$/.exec(line)?.[1] ?? 0));
      if (acked === 0 || killTimer !== undefined) return;
      // 'random': anywhere in the next saves; otherwise a fallback in case no temporary file is ever seen.
      killTimer = setTimeout(kill, killAt === 'random' ? Math.random() * 20 : 1000);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      watcher.close();
      clearTimeout(killTimer);
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer exited with ${String(code)} before being killed: ${err}`));
    });
  });
}

describe('FileCheckpointStore crash safety', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'tributary-crash-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it(`a writer SIGKILLed ${KILLS} times mid-save never leaves a torn or empty file nor loses an acknowledged save`, async () => {
    const file = new FileCheckpointStore<WriterCheckpoint>({ directory }).pathOf('crash');
    let acknowledged = 0;
    let killedMidWrite = 0;
    for (let i = 0; i < KILLS; i++) {
      acknowledged = Math.max(acknowledged, await runAndKill(directory, i % 2 === 0 ? 'random' : 'temp-file-created'));
      if (readdirSync(directory).some((name) => name.endsWith('.tmp'))) killedMidWrite++;

      expect(readFileSync(file).length).toBeGreaterThan(1024 * 1024);
      const loaded = await new FileCheckpointStore<WriterCheckpoint>({ directory }).load('crash');
      expect(loaded).toBeDefined();
      const { n, payload, sha256 } = loaded!.value;
      expect(createHash('sha256').update(payload).digest('hex')).toBe(sha256);
      expect(n).toBeGreaterThanOrEqual(acknowledged); // every save that resolved survived the kill
    }
    // Kills hit the window where a temporary file exists, i.e. during a write (not only between saves).
    expect(killedMidWrite).toBeGreaterThanOrEqual(KILLS / 4);
    // A later writer removes the temporary files the killed processes left behind.
    const store = new FileCheckpointStore<WriterCheckpoint>({ directory });
    const current = await store.load('crash');
    await store.save('crash', { ...current!.value, n: current!.value.n + 1 }, current!.version);
    expect(readdirSync(directory)).toEqual(['crash.json']);
  }, 60_000);
});
