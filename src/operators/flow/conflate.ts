import type { Blueprint } from '../../core/blueprint';
export function conflateWithSeed<In, S>(_seed: (element: In) => S, _aggregate: (acc: S, element: In) => S): Blueprint {
  throw new Error('pending: conflate');
}
