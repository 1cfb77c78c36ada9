import type { Blueprint } from '../../core/blueprint';
import { foldStage } from './fold';

/** @internal `reduce(f)`: `fold` seeded with the first element; fails with `NoSuchElementError` when empty. */
export function reduce<T>(f: (acc: T, element: T) => T): Blueprint {
  return foldStage<T, T>('reduce', undefined, f);
}
