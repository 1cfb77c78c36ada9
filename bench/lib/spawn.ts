import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { RESULT_MARKER, type ChildResult, type Mode } from './protocol';

/** One (workload, variant) to run `runs` times, each in a fresh node process. */
export interface Job {
  readonly workload: string;
  readonly variant: string;
  readonly n: number;
  readonly mode: Mode;
  readonly runs: number;
  readonly timeoutMs: number;
}

/** What one child process did. `ok` means it exited cleanly and the output count was right. */
export interface RunRecord {
  readonly ok: boolean;
  readonly result?: ChildResult;
  /** Why the run is not ok (OOM, timeout, wrong count, exit code…). */
  readonly failure?: string;
  readonly wallSeconds: number;
}

const NODE_FLAGS: Readonly<Record<Mode, readonly string[]>> = {
  throughput: [],
  heap: ['--expose-gc'],
  cap: ['--max-old-space-size=64'],
};

/** Node flags a job's child runs with. */
export function nodeFlags(mode: Mode): readonly string[] {
  return NODE_FLAGS[mode];
}

/** Spawns `node <flags> child.js …` for one run of `job` and parses its result line. */
export function runOnce(job: Job): Promise<RunRecord> {
  const child = path.join(__dirname, '..', 'child.js');
  const args = [...NODE_FLAGS[job.mode], child, job.workload, job.variant, String(job.n), job.mode];
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, job.timeoutMs);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      const result = line ? (JSON.parse(line.slice(RESULT_MARKER.length)) as ChildResult) : undefined;
      const failure = timedOut
        ? `timeout after ${job.timeoutMs / 1000} s`
        : /heap limit|out of memory/i.test(stderr)
          ? 'OOM (heap limit)'
          : code !== 0 || !result
            ? `exit ${code ?? signal}: ${errorLine(stderr)}`
            : result.count !== result.expected
              ? `count ${result.count} ≠ expected ${result.expected}`
              : undefined;
      resolve({ ok: failure === undefined, ...(result ? { result } : {}), ...(failure ? { failure } : {}), wallSeconds });
    });
  });
}

/** The first line of `text` that mentions an error, else its last line. */
function errorLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines.find((l) => /Error/.test(l)) ?? lines[lines.length - 1] ?? '';
}
