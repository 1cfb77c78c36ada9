import type { Blueprint } from '../../core/blueprint';
export function recover<T>(_f: (error: unknown) => T | undefined): Blueprint {
  throw new Error('pending: recover');
}
