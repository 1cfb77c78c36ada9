import type { Blueprint } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { BatchLogic } from './batch';
import { flowLogicBlueprint } from './flow-logic';

/** @internal `conflateWithSeed(seed, aggregate)` (and `conflate`): a `batch` without a limit. */
export function conflateWithSeed<In, S>(seed: (element: In) => S, aggregate: (acc: S, element: In) => S): Blueprint {
  requireFunction('conflate', 'seed', seed);
  requireFunction('conflate', 'aggregate', aggregate);
  return flowLogicBlueprint('conflate', (ctx) => new BatchLogic(ctx, Number.POSITIVE_INFINITY, seed, aggregate));
}
