import type { ObservableInput } from 'rxjs';
import type { Blueprint } from '../../core/blueprint';
import { requireFunction, requirePositiveInt } from '../../core/validate';
import { flowLogicBlueprint } from './flow-logic';
import { MapAsyncLogic } from './map-async';

/** @internal `mapAsyncUnordered(parallelism, f)` (supervised). */
export function mapAsyncUnordered<In, Out>(parallelism: number, f: (element: In) => ObservableInput<Out>): Blueprint {
  requirePositiveInt('mapAsyncUnordered', 'parallelism', parallelism);
  requireFunction('mapAsyncUnordered', 'f', f);
  return flowLogicBlueprint('mapAsyncUnordered', (ctx) => new MapAsyncLogic(ctx, parallelism, f, false));
}
