import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileProject, killAll, messageOf, spawnProgram, type CompiledProject } from '../fixtures/harness';

/** `npm start`: the quickstart runs with no environment at all, to completion or until Ctrl-C. */
describe('examples/quickstart', () => {
  let project: CompiledProject;
  let cwd: string;
  beforeAll(() => (project = compileProject()));
  beforeEach(() => (cwd = mkdtempSync(join(tmpdir(), 'quickstart-'))));
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  afterAll(() => {
    killAll();
    project.remove();
  });

  const output = (): { files: string[]; lsns: number[] } => {
    const dir = join(cwd, '.quickstart-output');
    const files = readdirSync(dir).sort();
    const lsns = files.flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { lsn: number }).lsn),
    );
    return { files, lsns };
  };

  it('runs to completion with no environment and writes every change, in order', async () => {
    const exit = await spawnProgram(project.js('examples/quickstart/program.ts'), { cwd }).exited;
    expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: '' });
    const messages = exit.lines.map(messageOf);
    expect(messages.find((m) => m.startsWith('done:'))).toMatch(/^done: 5000 changes in 5 files under \.quickstart-output /);
    expect(messages).toContain('customer directory closed after 5000 lookups');
    const { files, lsns } = output();
    expect(files).toEqual(['orders-00001.ndjson', 'orders-00002.ndjson', 'orders-00003.ndjson', 'orders-00004.ndjson', 'orders-00005.ndjson']);
    expect(lsns).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
  });

  it('follows the feed with --follow until Ctrl-C, then drains and exits 0', async () => {
    const program = spawnProgram(project.js('examples/quickstart/program.ts'), { cwd, args: ['--follow'] });
    await program.waitForLine(/progress: \d+ changes/);
    program.child.kill('SIGINT');
    const exit = await program.exited;
    expect(exit.code).toBe(0);
    const done = exit.lines.map(messageOf).find((m) => m.startsWith('done:'));
    const count = Number(/^done: (\d+) changes/.exec(done ?? '')?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(output().lsns).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });
});
