import type { Blueprint } from '../../core/blueprint';
export function scan<In, S>(_zero: S, _f: (acc: S, element: In) => S): Blueprint {
  throw new Error('pending: scan');
}
