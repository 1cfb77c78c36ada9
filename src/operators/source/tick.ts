import type { Blueprint } from '../../core/blueprint';
/** Stops a tick source (it completes). */
export interface Cancellable {
  cancel(): void;
  readonly isCancelled: boolean;
}
export function tick<T>(_initialDelayMs: number, _intervalMs: number, _value: T): Blueprint {
  throw new Error('pending: tick');
}
