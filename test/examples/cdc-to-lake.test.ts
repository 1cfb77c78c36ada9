import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { decodeBatches, formats, rowsOf } from 'tributary/flows/arrow';
import { compileProject, killAll, messageOf, spawnProgram, type CompiledProject } from '../hosting/fixtures/harness';

/** examples/cdc-to-lake: a change feed → record batches → Parquet files in a local folder, checkpointed. */
describe('examples/cdc-to-lake', () => {
  let project: CompiledProject;
  let cwd: string;
  beforeAll(() => (project = compileProject()));
  beforeEach(() => (cwd = mkdtempSync(join(tmpdir(), 'cdc-to-lake-'))));
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  afterAll(() => {
    killAll();
    project.remove();
  });

  const files = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort();

  /** Every row of the data files under the lake, decoded by their extension. */
  async function lakeRows(): Promise<Record<string, unknown>[]> {
    const lake = join(cwd, '.cdc-to-lake-output', 'lake');
    const data = files(lake).filter((f) => f.includes('part-'));
    const rows = await Promise.all(
      data.map(async (f) => (await decodeBatches(formats.forPath(f), readFileSync(join(lake, f)))).flatMap((b) => [...rowsOf(b)])),
    );
    return rows.flat();
  }

  it('runs on built-in defaults, writes one Parquet file per table, and resumes after its checkpoint', async () => {
    const env = { STREAMCONTEXT_SPEC_OVERRIDE: '{"changes":3000}' };
    const first = await spawnProgram(project.js('examples/cdc-to-lake/program.ts'), { cwd, env }).exited;
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.lines.map(messageOf).find((m) => m.startsWith('done:'))).toMatch(/^done: 3000 rows in 2 files /);
    const lake = files(join(cwd, '.cdc-to-lake-output', 'lake'));
    expect(lake.filter((f) => f.endsWith('.parquet') && f.includes('part-')).map((f) => f.split('/')[2])).toEqual(['dbo.customers', 'dbo.orders']);
    expect(lake.filter((f) => f.includes('/_schemas/'))).toHaveLength(2);
    const rows = await lakeRows();
    expect(rows).toHaveLength(3000);
    expect(rows.map((r) => parseInt(r['commit_lsn'] as string, 16)).sort((a, b) => a - b)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(rows.find((r) => r['op'] === 'd')).toMatchObject({ source_table: 'dbo.orders', status: expect.any(String), amount: expect.stringMatching(/^\d+\.\d\d$/) });

    const again = await spawnProgram(project.js('examples/cdc-to-lake/program.ts'), { cwd, env: { STREAMCONTEXT_SPEC_OVERRIDE: '{"changes":4000}' } }).exited;
    expect(again.code).toBe(0);
    expect(again.lines.map(messageOf)).toContain('reading changes 3001…4000 into .cdc-to-lake-output/lake as parquet');
    const all = await lakeRows();
    expect(all.map((r) => parseInt(r['commit_lsn'] as string, 16)).sort((a, b) => a - b)).toEqual(Array.from({ length: 4000 }, (_, i) => i + 1));
  });
});
