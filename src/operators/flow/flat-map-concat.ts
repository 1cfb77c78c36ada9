import type { Blueprint } from '../../core/blueprint';
import type { Source } from '../../dsl/source';
export function flatMapConcat<In, Out>(_f: (element: In) => Source<Out, unknown>): Blueprint {
  throw new Error('pending: flatMapConcat');
}
