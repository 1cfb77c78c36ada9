import type { Blueprint } from '../../core/blueprint';
import type { Source } from '../../dsl/source';
export function lazy<T, M>(_factory: () => Source<T, M>): Blueprint {
  throw new Error('pending: lazy');
}
export function defer<T, M>(_factory: () => Source<T, M>): Blueprint {
  throw new Error('pending: defer');
}
