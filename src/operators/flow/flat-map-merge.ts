import type { Blueprint } from '../../core/blueprint';
import type { Source } from '../../dsl/source';
export function flatMapMerge<In, Out>(_breadth: number, _f: (element: In) => Source<Out, unknown>): Blueprint {
  throw new Error('pending: flatMapMerge');
}
