/** The element every workload streams: a small object made lazily by a generator (nothing pre-allocated). */
export interface Item {
  readonly id: number;
  v: number;
}

/** Yields `{ id: i, v: i }` for i = 0 … n−1. */
export function* items(n: number): Generator<Item> {
  for (let i = 0; i < n; i++) yield { id: i, v: i };
}

/** What one variant run reports: elements that reached the sink, how many should have, optional extra numbers. */
export interface Outcome {
  readonly count: number;
  readonly expected: number;
  readonly metrics?: Readonly<Record<string, number>>;
}

/** One way of running a workload over `n` input elements. */
export type Variant = (n: number) => Promise<Outcome>;

/**
 * A workload: its variants (names starting with `tributary` run the engine; the others are peers) and an optional
 * `prepare` the child process runs before timing starts (e.g. measuring the timer latency for B).
 */
export interface Workload {
  readonly variants: Readonly<Record<string, Variant>>;
  prepare?(heapMode: boolean): Promise<Record<string, number>>;
}

/** True for variants that run Tributary (the smoke test runs exactly these). */
export function isEngineVariant(name: string): boolean {
  return name.startsWith('tributary');
}
