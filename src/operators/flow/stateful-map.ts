import type { Blueprint } from '../../core/blueprint';
export function statefulMap<S, In, Out>(_create: () => S, _f: (state: S, element: In) => readonly [S, Out], _onComplete: (state: S) => Out | undefined): Blueprint {
  throw new Error('pending: statefulMap');
}
