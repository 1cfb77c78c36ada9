import type { Blueprint } from '../../core/blueprint';
export function mapConcat<In, Out>(_f: (element: In) => Iterable<Out>): Blueprint {
  throw new Error('pending: mapConcat');
}
