import type { Blueprint } from '../../core/blueprint';
export function idleTimeout(_ms: number): Blueprint {
  throw new Error('pending: idleTimeout');
}
export function initialTimeout(_ms: number): Blueprint {
  throw new Error('pending: initialTimeout');
}
export function completionTimeout(_ms: number): Blueprint {
  throw new Error('pending: completionTimeout');
}
