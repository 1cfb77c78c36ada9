import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileProject, killAll, messageOf, spawnProgram, type CompiledProject, type Exit, type Program } from '../fixtures/harness';

/** SIGTERM/SIGINT drain the stream; a second signal or the drain timeout aborts (real processes, real signals). */
describe('lifetime and exit codes on signals', () => {
  let project: CompiledProject;
  const outDirs: string[] = [];
  beforeAll(() => (project = compileProject()));
  afterAll(() => {
    killAll();
    project.remove();
    for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
  });

  function start(env: Record<string, string> = {}): { program: Program; outDir: string } {
    const outDir = mkdtempSync(join(tmpdir(), 'hosting-stream-'));
    outDirs.push(outDir);
    const program = spawnProgram(project.js('test/hosting/fixtures/stream-program.ts'), {
      env: { STREAMCONTEXT__SPEC: '{}', STREAMCONTEXT__BACKFILL: 'false', OUT_DIR: outDir, ...env },
    });
    return { program, outDir };
  }

  /** The numbers in the visible NDJSON files, in file order. */
  function written(outDir: string): number[] {
    const files = readdirSync(outDir).filter((f) => f.endsWith('.ndjson')).sort();
    return files.flatMap((f) =>
      readFileSync(join(outDir, f), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { n: number }).n),
    );
  }

  function emittedCount(exit: Exit): number {
    const line = exit.lines.find((l) => l.startsWith('closed first'));
    expect(line).toBeDefined();
    return Number(/emitted=(\d+)/.exec(line!)![1]);
  }

  /** Sends `signal` and resolves with the exit and how long it took after the signal. */
  async function signal(program: Program, name: NodeJS.Signals): Promise<{ exit: Exit; msAfterSignal: number }> {
    const at = program.elapsed();
    program.child.kill(name);
    const exit = await program.exited;
    return { exit, msAfterSignal: exit.ms - at };
  }

  it('SIGTERM mid-stream: every emitted element reaches the sink, resources close in reverse order, exit 0', async () => {
    const { program, outDir } = start();
    await program.waitForLine(/batch of/);
    const { exit, msAfterSignal } = await signal(program, 'SIGTERM');
    expect(exit.code).toBe(0);
    expect(msAfterSignal).toBeLessThan(10_000);
    const emitted = emittedCount(exit);
    expect(emitted).toBeGreaterThan(0);
    expect(written(outDir)).toEqual(Array.from({ length: emitted }, (_, i) => i + 1));
    expect(readdirSync(outDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const closing = exit.lines.filter((l) => l.startsWith('closed'));
    expect(closing).toEqual(['closed second', `closed first emitted=${emitted} interrupted=true`]);
    const messages = exit.lines.map(messageOf);
    expect(messages).toContain('received SIGTERM: stopping the stream gracefully (drain timeout 10000 ms)');
    expect(messages).toContain('the stream stopped gracefully');
    expect(messages[messages.length - 1]).toBe('exit code 0');
  });

  it('SIGINT with a [KillSwitch, Promise] graph drains the same way', async () => {
    const { program, outDir } = start({ MAT: 'pair' });
    await program.waitForLine(/batch of/);
    const { exit } = await signal(program, 'SIGINT');
    expect(exit.code).toBe(0);
    expect(written(outDir)).toHaveLength(emittedCount(exit));
  });

  it('SIGTERM during a backfill drains, then exits 2 so the backfill runs again', async () => {
    const { program, outDir } = start({ STREAMCONTEXT__BACKFILL: 'true' });
    await program.waitForLine(/batch of/);
    const { exit } = await signal(program, 'SIGTERM');
    expect(exit.code).toBe(2);
    expect(written(outDir)).toHaveLength(emittedCount(exit));
    expect(exit.lines.map(messageOf)).toContain('stopped during a backfill; exit 2 so the backfill runs again');
  });

  it('a second SIGTERM aborts a drain that cannot finish, at once: exit 2', async () => {
    const { program } = start({ HANG_AFTER: '10', DRAIN_TIMEOUT_MS: '20000' });
    await program.waitForLine(/batch of 10 up to 10/);
    program.child.kill('SIGTERM');
    await program.waitForLine(/stopping the stream gracefully/);
    const { exit, msAfterSignal } = await signal(program, 'SIGTERM');
    expect(exit.code).toBe(2);
    expect(msAfterSignal).toBeLessThan(10_000); // far below the 20 s drain timeout (generous for slow CI machines)
    const messages = exit.lines.map(messageOf);
    expect(messages).toContain('received SIGTERM again: aborting the stream');
    expect(messages).toContain('the stream was aborted before its drain finished; exit 2 so the run is repeated');
    expect(exit.lines.some((l) => l.startsWith('closed first'))).toBe(true); // resources still closed
  });

  it('the drain timeout aborts a drain that cannot finish: exit 2', async () => {
    const { program } = start({ HANG_AFTER: '10', DRAIN_TIMEOUT_MS: '600' });
    await program.waitForLine(/batch of 10 up to 10/);
    const { exit, msAfterSignal } = await signal(program, 'SIGTERM');
    expect(exit.code).toBe(2);
    expect(msAfterSignal).toBeGreaterThanOrEqual(600);
    expect(msAfterSignal).toBeLessThan(10_000); // the timeout ended a drain that would hang forever
    expect(exit.lines.map(messageOf)).toContain('the drain did not finish within 600 ms: aborting the stream');
  });

  it('a graph that materializes only a Promise cannot drain: it runs on until the drain timeout, exit 2', async () => {
    const { program } = start({ MAT: 'promise', DRAIN_TIMEOUT_MS: '600' });
    await program.waitForLine(/batch of/);
    const { exit, msAfterSignal } = await signal(program, 'SIGTERM');
    expect(exit.code).toBe(2);
    expect(msAfterSignal).toBeGreaterThanOrEqual(600);
    expect(exit.lines.map(messageOf)).toContain('the stream graph has no kill switch or DrainingControl: waiting for it to end by itself');
  });
});
