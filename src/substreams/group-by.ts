import type { Blueprint, StageContext } from '../core/blueprint';
import { requireFunction, requirePositiveDuration, requirePositiveInt } from '../core/validate';
import { TooManySubstreamsError } from './errors';
import { SplitMergeLogic, splitMergeBlueprint, type SplitFactory, type Substream } from './split-merge-logic';

/**
 * What `groupBy` does with a new key while `maxSubstreams` substreams are open:
 * - `'fail'` (default, Akka): the stream fails with `TooManySubstreamsError`;
 * - `'backpressure'`: the element waits (and the parent with it) until a substream completes or idles out;
 * - `{ hashLanes: n }`: keys are hashed into `n` lanes and each lane is one substream, so any number of keys fit
 *   and a lane mixes keys (elements of one key stay in order, in the same lane).
 */
export type GroupByOverflow = 'fail' | 'backpressure' | { readonly hashLanes: number };

/** Options of `groupBy`. */
export interface GroupByOptions {
  /** See `GroupByOverflow`; default `'fail'`. */
  readonly overflow?: GroupByOverflow;
  /**
   * Completes a substream's input when it received no element for this long (measured on the materializer's
   * scheduler), releasing its key: a later element with that key opens a new substream. Default: never.
   */
  readonly idleTimeoutMs?: number;
}

/** FNV-1a over the UTF-16 code units. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The lane of `key`: integers by value, anything else by the hash of its string form. */
function laneOf(key: unknown, lanes: number): number {
  const h = typeof key === 'number' && Number.isSafeInteger(key) ? Math.abs(key) : hashString(String(key));
  return h % lanes;
}

class GroupByLogic<In> extends SplitMergeLogic<In> {
  private readonly byKey = new Map<unknown, Substream<In>>();

  constructor(
    ctx: StageContext,
    perSubstream: Blueprint,
    maxLive: number,
    private readonly maxSubstreams: number,
    private readonly keyFn: (element: In) => unknown,
    private readonly overflow: GroupByOverflow,
    private readonly idleTimeoutMs: number | undefined,
  ) {
    super(ctx, perSubstream, maxLive);
  }

  protected classify(element: In): unknown {
    const key = this.keyFn(element);
    return typeof this.overflow === 'object' ? laneOf(key, this.overflow.hashLanes) : key;
  }

  protected place(element: In, key: unknown): void {
    const sub = this.byKey.get(key);
    if (sub) this.deliver(sub, element, key);
    else if (this.byKey.size < this.maxSubstreams) this.openWith(element, key);
    else if (this.overflow === 'fail') this.failStage(new TooManySubstreamsError(this.maxSubstreams, key));
    else this.hold(element, key);
  }

  protected override onOpened(sub: Substream<In>): void {
    this.byKey.set(sub.key, sub);
    if (this.idleTimeoutMs !== undefined) this.scheduleOnce(sub, this.idleTimeoutMs);
  }

  protected override delivered(sub: Substream<In>): void {
    if (this.idleTimeoutMs !== undefined) sub.lastElementAt = this.now();
  }

  protected released(sub: Substream<In>): void {
    if (this.byKey.get(sub.key) === sub) this.byKey.delete(sub.key);
    this.cancelTimer(sub);
  }

  /** Idle check for one substream; re-armed lazily for the time left since its last element. */
  protected override onTimer(key: unknown): void {
    const sub = key as Substream<In>;
    const idle = this.idleTimeoutMs!;
    if (sub.inputClosed) return;
    const left = idle - (this.now() - sub.lastElementAt);
    if (this.isBackpressuring(sub)) this.scheduleOnce(sub, idle); // not idle: its next element waits for it
    else if (left > 0) this.scheduleOnce(sub, left);
    else this.closeInput(sub);
  }
}

/** @internal `groupBy(maxSubstreams, keyFn, options)`: the split factory of its SubFlow. */
export function groupBy<In>(maxSubstreams: number, keyFn: (element: In) => unknown, options: GroupByOptions = {}): SplitFactory {
  requirePositiveInt('groupBy', 'maxSubstreams', maxSubstreams);
  requireFunction('groupBy', 'keyFn', keyFn);
  const overflow = options.overflow ?? 'fail';
  let lanes: number | undefined;
  if (typeof overflow === 'object' && overflow !== null) {
    lanes = requirePositiveInt('groupBy', 'overflow.hashLanes', overflow.hashLanes);
    if (lanes > maxSubstreams) {
      throw new RangeError(`groupBy: overflow.hashLanes must be at most maxSubstreams (${maxSubstreams}), got ${lanes}`);
    }
  } else if (overflow !== 'fail' && overflow !== 'backpressure') {
    throw new RangeError(`groupBy: overflow must be 'fail', 'backpressure' or { hashLanes: n }, got ${String(overflow)}`);
  }
  const idle = options.idleTimeoutMs;
  if (idle !== undefined) requirePositiveDuration('groupBy', 'idleTimeoutMs', idle);
  const limit = lanes ?? maxSubstreams;
  return (perSubstream, parallelism) =>
    splitMergeBlueprint(
      'groupBy',
      (ctx) => new GroupByLogic<In>(ctx, perSubstream, parallelism ?? limit, limit, keyFn, overflow, idle),
    );
}
