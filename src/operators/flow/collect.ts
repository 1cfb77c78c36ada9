import type { Blueprint } from '../../core/blueprint';
export function collect<In, Out>(_f: (element: In) => Out | undefined): Blueprint {
  throw new Error('pending: collect');
}
