import type { Blueprint } from '../../core/blueprint';
export function takeWhile<T>(_predicate: (element: T) => boolean, _inclusive: boolean): Blueprint {
  throw new Error('pending: takeWhile');
}
