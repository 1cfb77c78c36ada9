import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environment } from './lib/environment';
import { mark, rate, table } from './lib/format';
import { Results, type JobResult, type Options, type Section, type Spec } from './lib/spec';
import { nodeFlags, runOnce, type RunRecord } from './lib/spawn';
import { SPECS } from './specs';

/**
 * The benchmark suite: `node dist/bench/run.js [--quick] [--only A,C] [--runs N]`. Every run of every
 * (workload, variant) happens in a fresh node process; the runs of one workload are interleaved round-robin.
 * Tables go to stdout, progress to stderr, everything (raw runs included) to .bench-results/bench-<time>.json.
 */
interface Cli extends Options {
  readonly only?: readonly string[];
}

function parseArgs(argv: readonly string[]): Cli {
  let quick = false;
  let only: string[] | undefined;
  let runs: number | undefined;
  const ids = (list: string): string[] => list.split(',').map((s) => s.trim().toUpperCase());
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--only') only = ids(argv[++i] ?? '');
    else if (a.startsWith('--only=')) only = ids(a.slice('--only='.length));
    else if (a === '--runs') runs = Number(argv[++i]);
    else throw new Error(`unknown option ${a}; use --quick, --only A,C, --runs N`);
  }
  if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1)) throw new Error('--runs needs a positive integer');
  const unknown = only?.filter((id) => !SPECS.some((s) => s.id === id)) ?? [];
  if (unknown.length) throw new Error(`--only: unknown workload ${unknown.join(',')}; have ${SPECS.map((s) => s.id)}`);
  return { quick, ...(only ? { only } : {}), ...(runs !== undefined ? { runs } : {}) };
}

function progressLine(run: RunRecord): string {
  if (!run.ok) return `✘ ${run.failure ?? 'failed'}`;
  const r = run.result!;
  const heap = r.heap ? `, live heap ${r.heap.peakMB.toFixed(1)} MB` : '';
  return `${rate(r.elPerSec)} el/s, RSS ${r.maxRssMB.toFixed(0)} MB${heap}`;
}

async function runSpec(spec: Spec, options: Options): Promise<JobResult[]> {
  const jobs = spec.jobs(options);
  const runs = jobs.map((): RunRecord[] => []);
  const rounds = Math.max(...jobs.map((j) => j.runs));
  for (let round = 0; round < rounds; round++) {
    for (const [i, job] of jobs.entries()) {
      if (round >= job.runs) continue;
      const run = await runOnce(job);
      runs[i]!.push(run);
      const flags = nodeFlags(job.mode).join(' ');
      const what = `${job.variant} ${job.mode}${flags ? ` (${flags})` : ''} n=${job.n}`;
      process.stderr.write(`[${spec.id}] ${what} run ${round + 1}/${job.runs}: ${progressLine(run)}\n`);
    }
  }
  return jobs.map((job, i) => ({ job, runs: runs[i]! }));
}

function heading(spec: Spec, jobs: readonly JobResult[]): string {
  const timed = jobs.filter((j) => j.job.mode !== 'cap');
  const n = [...new Set(timed.map((j) => j.job.n.toLocaleString('en-US')))].join(', ');
  const runs = [...new Set(timed.map((j) => j.job.runs))].join(', ');
  return `${spec.title}\nN = ${n}, ${runs} run(s) per variant, each in a fresh process; median (min–max)`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const env = environment();
  const started = new Date();
  console.log(`Tributary benchmarks${options.quick ? ' (--quick: small N, 1 run — a smoke check, not a measurement)' : ''}`);
  console.log(`node ${env.node} (V8 ${env.v8}), rxjs ${env.rxjs}, ${env.cpu} × ${env.cores}, ${env.memoryGiB} GiB, ${env.os}`);
  console.log(`load average (1 min) at start: ${env.loadAverage.toFixed(2)} (other work on the machine skews the numbers)\n`);

  const workloads: Record<string, { title: string; section: Section; jobs: JobResult[] }> = {};
  const broken: string[] = [];
  for (const spec of SPECS.filter((s) => !options.only || options.only.includes(s.id))) {
    const jobs = await runSpec(spec, options);
    const results = new Results(jobs);
    const section = spec.report(results);
    workloads[spec.id] = { title: spec.title, section, jobs };
    broken.push(...results.brokenRuns());
    console.log(`${heading(spec, jobs)}\n${section.text}\n`);
  }

  const checks = Object.values(workloads).flatMap((w) => w.section.checks);
  console.log('Targets\n' + table(['target', 'measured', 'met'], checks.map((c) => [c.target, c.value, mark(c.met)])));
  console.log(`\nload average (1 min) at end: ${os.loadavg()[0]!.toFixed(2)}`);
  if (broken.length) console.log(`\nBroken runs (crashed, timed out or wrong output count):\n${broken.join('\n')}`);

  const dir = path.resolve(__dirname, '..', '..', '.bench-results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ started: started.toISOString(), options, environment: env, workloads }, null, 2));
  console.log(`Results: ${path.relative(process.cwd(), file)}`);
  if (broken.length) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
});
