import { spawn } from 'node:child_process';
import { join } from 'node:path';

const register = join(__dirname, 'ts-register.js');
const fixtures = join(__dirname, '..', 'fixtures');

/** What a fixture process printed and how it ended. */
export interface FixtureResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout lines parsed as JSON (every line must be JSON). */
  readonly lines: Record<string, unknown>[];
}

/**
 * Runs `fixtures/<name>.ts` in a child `node` with only `env` (plus PATH), optionally preloading more modules
 * (`-r`), and resolves when it exits. Kills it after `timeoutMs`.
 */
export function runFixture(
  name: string,
  env: Readonly<Record<string, string>>,
  options: { readonly preload?: readonly string[]; readonly timeoutMs?: number } = {},
): Promise<FixtureResult> {
  const args = ['-r', register, ...(options.preload ?? []).flatMap((p) => ['-r', p]), join(fixtures, `${name}.ts`)];
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines: Record<string, unknown>[] = [];
      for (const line of stdout.split('\n').filter((l) => l.trim() !== '')) {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          reject(new Error(`fixture ${name}: stdout line is not JSON: ${line}\nstderr: ${stderr}`));
          return;
        }
      }
      resolve({ code, stdout, stderr, lines });
    });
  });
}
