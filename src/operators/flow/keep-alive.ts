import type { Blueprint } from '../../core/blueprint';
export function keepAlive<T>(_ms: number, _inject: () => T): Blueprint {
  throw new Error('pending: keepAlive');
}
