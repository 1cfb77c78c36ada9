import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileProject, killAll, messageOf, spawnProgram, type CompiledProject, type Exit } from '../fixtures/harness';

/** The `program.ts` of the hosting issue, as written (an ES module with top-level await), runs end to end. */
describe('the issue program', () => {
  let project: CompiledProject;
  let outDir: string;
  beforeAll(() => (project = compileProject()));
  beforeEach(() => (outDir = mkdtempSync(join(tmpdir(), 'issue-program-'))));
  afterEach(() => rmSync(outDir, { recursive: true, force: true }));
  afterAll(() => {
    killAll();
    project.remove();
  });

  const run = (env: Record<string, string>): Promise<Exit> =>
    spawnProgram(project.js('test/hosting/fixtures/issue-program.mts'), {
      env: { OUT_DIR: outDir, STREAMCONTEXT__SPEC: '{"tables":["dbo.orders","dbo.lines"],"batchSize":4}', STREAMCONTEXT__BACKFILL: 'false', ...env },
    }).exited;

  it('reads the secret, builds the graph from the pool, runs it and closes the pool', async () => {
    const exit = await run({ SQL_CONNECTION: 'Server=db;Password=x' });
    expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: '' });
    expect(exit.lines.filter((l) => l.startsWith('pool'))).toEqual(['pool opened (20 chars)', 'pool closed']);
    const written = readdirSync(outDir).flatMap((f) => readFileSync(join(outDir, f), 'utf8').split('\n').filter(Boolean));
    expect(written.map((l) => JSON.parse(l))).toEqual(
      ['dbo.orders', 'dbo.lines'].flatMap((table) => [1, 2, 3].map((id) => ({ table, id }))),
    );
  });

  it("maps the program's own transient error to exit 2 through its exception handler", async () => {
    const exit = await run({ SQL_CONNECTION: 'Server=db', FAIL: 'transient' });
    expect(exit.code).toBe(2);
    expect(exit.lines).toContain('pool closed');
  });

  it('exits 1 naming the missing secret', async () => {
    const exit = await run({});
    expect(exit.code).toBe(1);
    expect(exit.lines.map(messageOf)).toContain(
      "secret SQL_CONNECTION is missing: expected the environment variable SQL_CONNECTION (mounted from the stream's secret)",
    );
  });
});
