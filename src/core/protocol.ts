/**
 * The wire protocol between two connected stages.
 *
 * Demand is level-triggered: an upstream may call `onNext` only right after `hasDemand()` returned true, and it
 * re-checks before every element. A downstream that gains demand calls `onDemand()` on its upstream, which is a
 * hint (it may be spurious); the upstream then re-checks `hasDemand()`. A `filter` that drops an element
 * therefore never "loses" credit, and fused synchronous stages need no per-element bookkeeping.
 *
 * Every call may arrive re-entrantly (from inside another call on the same connection); implementations guard
 * their own loops. Terminal signals (`onComplete`, `onError`, `cancel`) are delivered at most once.
 */
export interface Downstream<T> {
  /** Whether an element may be pushed right now. */
  hasDemand(): boolean;
  /** Delivers one element; allowed only when `hasDemand()` is true. */
  onNext(element: T): void;
  /** Upstream finished normally; no more elements follow. */
  onComplete(): void;
  /** Upstream failed; no more elements follow. */
  onError(error: unknown): void;
}

/** The signals a downstream sends to its upstream. */
export interface Upstream {
  /** Downstream may have gained demand: re-check `hasDemand()` and push if possible. */
  onDemand(): void;
  /** Downstream wants no more elements. */
  cancel(cause?: unknown): void;
}

/** The receiving end of a stage, connected once to an upstream. */
export interface InPort<T> extends Downstream<T> {
  attachUpstream(upstream: Upstream): void;
}

/** The sending end of a stage, connected once to a downstream. */
export interface OutPort<T> extends Upstream {
  attachDownstream(downstream: Downstream<T>): void;
}

/**
 * A stage whose demand is exactly its downstream's (map, filter, grouped…). Producers skip such stages when they
 * check demand, so a chain of fused stages costs one `hasDemand()` call per element, not one per stage.
 */
export interface DemandPassThrough<T> extends Downstream<T> {
  readonly passesDemand: true;
  readonly downstream: Downstream<unknown>;
}

/** The stage that really decides whether `downstream` can take an element (skipping pass-through stages). */
export function demandOwner<T>(downstream: Downstream<T>): Downstream<unknown> {
  let d: Downstream<unknown> = downstream as Downstream<unknown>;
  while ((d as Partial<DemandPassThrough<unknown>>).passesDemand === true) {
    d = (d as DemandPassThrough<unknown>).downstream;
  }
  return d;
}

/** The cause a stage uses when it cancels because it needs no more elements (e.g. `take` reached its limit). */
export class NoMoreElementsNeeded extends Error {
  constructor() {
    super('no more elements needed');
    this.name = 'NoMoreElementsNeeded';
  }
}
