import type { Blueprint } from '../../core/blueprint';
export function limit(_max: number): Blueprint {
  throw new Error('pending: limit');
}
