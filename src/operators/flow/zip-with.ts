import type { Blueprint } from '../../core/blueprint';
export function zipWith<A, B, R>(_other: Blueprint, _f: (a: A, b: B) => R): Blueprint {
  throw new Error('pending: zipWith');
}
