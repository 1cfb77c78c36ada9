import type { Blueprint } from '../../core/blueprint';
export function dropWhile<T>(_predicate: (element: T) => boolean): Blueprint {
  throw new Error('pending: dropWhile');
}
