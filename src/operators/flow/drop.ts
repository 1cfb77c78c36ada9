import type { Blueprint } from '../../core/blueprint';
export function drop(_n: number): Blueprint {
  throw new Error('pending: drop');
}
