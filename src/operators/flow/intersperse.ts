import type { Blueprint } from '../../core/blueprint';
export function intersperse<T>(_inject: T, _start?: T, _end?: T): Blueprint {
  throw new Error('pending: intersperse');
}
