import type { Blueprint } from '../../core/blueprint';
export function groupedWeightedWithin<T>(_maxWeight: number, _weight: (element: T) => number, _n: number, _ms: number): Blueprint {
  throw new Error('pending: groupedWeightedWithin');
}
