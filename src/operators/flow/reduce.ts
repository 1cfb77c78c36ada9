import type { Blueprint } from '../../core/blueprint';
export function reduce<T>(_f: (acc: T, element: T) => T): Blueprint {
  throw new Error('pending: reduce');
}
