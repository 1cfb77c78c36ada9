import type { Blueprint } from '../../core/blueprint';
export function batch<In, S>(_max: number, _seed: (element: In) => S, _aggregate: (acc: S, element: In) => S): Blueprint {
  throw new Error('pending: batch');
}
