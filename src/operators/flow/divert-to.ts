import type { Blueprint } from '../../core/blueprint';
export function divertTo<T>(_sink: Blueprint, _predicate: (element: T) => boolean): Blueprint {
  throw new Error('pending: divertTo');
}
