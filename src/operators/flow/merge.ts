import type { Blueprint } from '../../core/blueprint';
/** Options of `merge`. */
export interface MergeOptions {
  /** Complete as soon as either input completes; default false. */
  readonly eagerComplete?: boolean;
}
export function merge(_other: Blueprint, _options?: MergeOptions): Blueprint {
  throw new Error('pending: merge');
}
