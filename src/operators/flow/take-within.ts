import type { Blueprint } from '../../core/blueprint';
export function takeWithin(_ms: number): Blueprint {
  throw new Error('pending: takeWithin');
}
