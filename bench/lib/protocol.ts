/** How a child process reports: one line starting with this marker, then JSON. */
export const RESULT_MARKER = '@@bench-result ';

/** Measurement modes: plain timing, timing with heap sampling (needs --expose-gc), or the heap-cap test. */
export type Mode = 'throughput' | 'heap' | 'cap';

/** What a child process measured in one run. */
export interface ChildResult {
  readonly count: number;
  readonly expected: number;
  readonly seconds: number;
  /** Input elements per second. */
  readonly elPerSec: number;
  readonly maxRssMB: number;
  readonly heap?: { readonly baselineMB: number; readonly peakMB: number; readonly samples: number };
  /** Workload-specific numbers (timer latency, buffer capacity, element size…). */
  readonly metrics: Readonly<Record<string, number>>;
}
