import type { Job, RunRecord } from './spawn';
import type { Mode } from './protocol';
import { summarize, type Summary } from './stats';

/** Command-line options. */
export interface Options {
  /** Smaller N and one run per job: a smoke check, not a measurement. */
  readonly quick: boolean;
  /** Overrides the number of runs per job. */
  readonly runs?: number;
}

/** A target from the issue, checked against the medians. */
export interface Check {
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

/** One workload's section of the report. */
export interface Section {
  readonly text: string;
  readonly checks: readonly Check[];
}

/** The runs of one job. */
export interface JobResult {
  readonly job: Job;
  readonly runs: readonly RunRecord[];
}

/** How a workload is measured and reported. */
export interface Spec {
  readonly id: string;
  readonly title: string;
  jobs(options: Options): Job[];
  report(results: Results): Section;
}

/** The runs of one workload, looked up by variant and mode, with the usual summaries. */
export class Results {
  constructor(readonly jobs: readonly JobResult[]) {}

  get(variant: string, mode: Mode = 'throughput'): JobResult | undefined {
    return this.jobs.find((j) => j.job.variant === variant && j.job.mode === mode);
  }

  /** A per-run number from the verified runs of a job. */
  summary(variant: string, pick: (r: RunRecord) => number | undefined, mode: Mode = 'throughput'): Summary | undefined {
    const runs = this.get(variant, mode)?.runs.filter((r) => r.ok) ?? [];
    return summarize(runs.map(pick).filter((x): x is number => x !== undefined));
  }

  rate(variant: string, mode: Mode = 'throughput'): Summary | undefined {
    return this.summary(variant, (r) => r.result?.elPerSec, mode);
  }

  rss(variant: string, mode: Mode = 'throughput'): Summary | undefined {
    return this.summary(variant, (r) => r.result?.maxRssMB, mode);
  }

  /** Median rate of `variant` divided by the median rate of `peer`. */
  ratio(variant: string, peer: string): number | undefined {
    const a = this.rate(variant)?.median;
    const b = this.rate(peer)?.median;
    return a === undefined || b === undefined ? undefined : a / b;
  }

  /**
   * Cost of each of `added` stages that `variant` has over `base`: in % of the base's time per element and in ns.
   */
  stageCost(variant: string, base: string, added: number): { readonly pct: number; readonly ns: number } | undefined {
    const a = this.rate(base)?.median;
    const b = this.rate(variant)?.median;
    if (a === undefined || b === undefined) return undefined;
    return { pct: ((a / b - 1) / added) * 100, ns: (1e9 / b - 1e9 / a) / added };
  }

  /** Runs that crashed, timed out or miscounted, as `variant (mode): reason`; the cap test's FAILs are results. */
  brokenRuns(): string[] {
    return this.jobs
      .filter((j) => j.job.mode !== 'cap')
      .flatMap((j) => j.runs.filter((r) => !r.ok).map((r) => `${j.job.variant} (${j.job.mode}): ${r.failure ?? 'failed'}`));
  }
}

/** A check that is not met when the value is missing. */
export function check(
  target: string,
  value: number | undefined,
  fmt: (x: number) => string,
  ok: (x: number) => boolean,
): Check {
  return value === undefined ? { target, value: 'n/a', met: false } : { target, value: fmt(value), met: ok(value) };
}

/** Jobs for `variants` with shared settings. */
export function jobsFor(
  workload: string,
  variants: readonly string[],
  settings: Omit<Job, 'workload' | 'variant'>,
): Job[] {
  return variants.map((variant) => ({ workload, variant, ...settings }));
}
