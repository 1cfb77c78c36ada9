import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

/** The package entry points resolve to built files, as a user imports them. */
describe('package exports', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/src/index.js')) || !existsSync(join(root, 'dist/src/testing/index.js'))) {
      execSync('npm run build', { cwd: root, stdio: 'ignore' });
    }
  }, 120_000);

  const probe = `
    const t = await import('tributary');
    const k = await import('tributary/testing');
    const out = await t.Source.range(1, 3).map((x) => x * 2).runWith(t.Sink.seq());
    console.log(JSON.stringify({ out, clock: typeof k.TestClock }));
  `;

  it('import("tributary") works from the repo root (package self-reference)', () => {
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: root }).toString();
    expect(JSON.parse(stdout)).toEqual({ out: [2, 4, 6], clock: 'function' });
  });

  it('import("tributary") works from a consumer project', () => {
    const consumer = mkdtempSync(join(tmpdir(), 'tributary-consumer-'));
    try {
      mkdirSync(join(consumer, 'node_modules'));
      symlinkSync(root, join(consumer, 'node_modules', 'tributary'), 'dir');
      writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      writeFileSync(join(consumer, 'main.mjs'), probe);
      const stdout = execFileSync(process.execPath, ['main.mjs'], { cwd: consumer }).toString();
      expect(JSON.parse(stdout)).toEqual({ out: [2, 4, 6], clock: 'function' });
    } finally {
      rmSync(consumer, { recursive: true, force: true });
    }
  });
});
