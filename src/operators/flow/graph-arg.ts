import type { Blueprint } from '../../core/blueprint';

/** Checks that a `Source`/`Sink` argument's blueprint was given (the DSL passes `other?.blueprint`). */
export function requireGraph(op: string, field: string, kind: 'Source' | 'Sink', value: Blueprint | undefined): Blueprint {
  if (typeof value !== 'object' || value === null || typeof (value as { kind?: unknown }).kind !== 'string') {
    throw new TypeError(`${op}: ${field} must be a ${kind}, got ${value === null ? 'null' : typeof value}`);
  }
  return value;
}

/** The blueprint of the `Source` a user function returned; throws a clear error for anything else. */
export function returnedSource(op: string, value: unknown, fn = 'the function'): Blueprint {
  const blueprint = (value as { blueprint?: Blueprint } | null | undefined)?.blueprint;
  if (typeof blueprint !== 'object' || blueprint === null || typeof blueprint.kind !== 'string') {
    throw new TypeError(`${op}: ${fn} must return a Source, got ${value === null ? 'null' : typeof value}`);
  }
  return blueprint;
}
