import type { Blueprint } from '../../core/blueprint';
/** Options of `throttle`. */
export interface ThrottleOptions<T> {
  /** Bucket size in tokens; default: `cost`. */
  readonly burst?: number;
  /** Tokens an element costs; default 1. */
  readonly costOf?: (element: T) => number;
  /** `shaping` (default) waits for tokens; `enforcing` fails the stream. */
  readonly mode?: 'shaping' | 'enforcing';
}
export function throttle<T>(_cost: number, _perMs: number, _options?: ThrottleOptions<T>): Blueprint {
  throw new Error('pending: throttle');
}
