import type { Blueprint } from '../../core/blueprint';
export function fold<In, S>(_zero: S, _f: (acc: S, element: In) => S): Blueprint {
  throw new Error('pending: fold');
}
