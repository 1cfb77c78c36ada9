import type { Blueprint } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { divertToBlueprint } from './also-to';
import { requireGraph } from './graph-arg';

/** @internal `divertTo(sink, predicate)`: matching elements go only to `sink`, backpressured by it. */
export function divertTo<T>(sink: Blueprint, predicate: (element: T) => boolean): Blueprint {
  requireGraph('divertTo', 'sink', 'Sink', sink);
  requireFunction('divertTo', 'predicate', predicate);
  return divertToBlueprint(sink, predicate);
}
