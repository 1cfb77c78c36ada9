import { execFileSync, execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

/** `tributary/hosting` and `tributary/sinks/file` resolve to the built files, as a user imports them. */
describe('hosting package exports', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/hosting/index.js')) || !existsSync(join(root, 'dist/sinks/file/index.js'))) {
      execSync('npm run build', { cwd: root, stdio: 'ignore' });
    }
  }, 120_000);

  it('require("tributary/hosting") and require("tributary/sinks/file") work from the repo root', () => {
    const probe = `
      const hosting = require('tributary/hosting');
      const file = require('tributary/sinks/file');
      console.log(JSON.stringify([typeof hosting.createHost, typeof hosting.ExitCode, typeof file.ndjsonFileSink]));
    `;
    const stdout = execFileSync(process.execPath, ['-e', probe], { cwd: root }).toString();
    expect(JSON.parse(stdout)).toEqual(['function', 'object', 'function']);
  });
});
