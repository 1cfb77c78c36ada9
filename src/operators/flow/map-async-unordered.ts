import type { ObservableInput } from 'rxjs';
import type { Blueprint } from '../../core/blueprint';
import { requireFunction, requirePositiveInt } from '../../core/validate';
import { logicBlueprint } from '../../stage/stage-blueprint';
import { MapAsyncLogic, mapAsyncPorts } from './map-async';

/** @internal `mapAsyncUnordered(parallelism, f)` (supervised). */
export function mapAsyncUnordered<In, Out>(parallelism: number, f: (element: In) => ObservableInput<Out>): Blueprint {
  requirePositiveInt('mapAsyncUnordered', 'parallelism', parallelism);
  requireFunction('mapAsyncUnordered', 'f', f);
  return logicBlueprint(
    'mapAsyncUnordered',
    (ctx) => new MapAsyncLogic(ctx, parallelism, f, false),
    mapAsyncPorts.inlet,
    mapAsyncPorts.outlet,
  );
}
