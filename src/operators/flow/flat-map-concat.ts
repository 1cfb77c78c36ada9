import type { Blueprint } from '../../core/blueprint';
import type { Source } from '../../dsl/source';
import { flatMap } from './flat-map-merge';

/** @internal `flatMapConcat(f)`: one inner source at a time, in order. */
export function flatMapConcat<In, Out>(f: (element: In) => Source<Out, unknown>): Blueprint {
  return flatMap('flatMapConcat', 1, f);
}
