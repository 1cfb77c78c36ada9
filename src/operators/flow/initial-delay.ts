import type { Blueprint } from '../../core/blueprint';
export function initialDelay(_ms: number): Blueprint {
  throw new Error('pending: initialDelay');
}
