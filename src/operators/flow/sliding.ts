import type { Blueprint } from '../../core/blueprint';
export function sliding(_size: number, _step: number): Blueprint {
  throw new Error('pending: sliding');
}
