import type { Blueprint, StageContext } from '../../core/blueprint';
import { BufferCounters } from '../../core/buffer-counters';
import { requireFunction, requirePositiveDuration, requirePositiveInt } from '../../core/validate';
import { FlowLogic, flowLogicBlueprint } from './flow-logic';

const WINDOW = 'groupedWithin';

/**
 * Akka's `GroupedWeightedWithin`. The current group becomes *ready* (emitted as soon as downstream pulls) when it
 * holds `n` elements or `maxWeight`, when the next element does not fit (it waits as `pending` and starts the
 * next group), when the window of `ms` elapsed with a non-empty group, or when upstream finished. While no
 * element is pending the stage keeps pulling, so it holds at most `n` elements plus one pending element.
 * The window restarts whenever a group is emitted; its timer is re-armed lazily (once per window).
 */
class GroupedWeightedWithinLogic<T> extends FlowLogic<T, T[]> {
  private group: T[] = [];
  private groupWeight = 0;
  private pending: { readonly element: T; readonly weight: number } | undefined;
  private ready = false;
  private windowStart = 0;
  private readonly counters: BufferCounters;

  constructor(
    ctx: StageContext,
    private readonly maxWeight: number,
    private readonly weightOf: (element: T) => number,
    private readonly n: number,
    private readonly ms: number,
  ) {
    super(ctx);
    const held = (): number => this.group.length + (this.pending ? 1 : 0);
    this.counters = new BufferCounters(n + 1, held, undefined, () => !this.isStopped);
  }

  override stats(): BufferCounters {
    return this.counters;
  }

  override preStart(): void {
    this.windowStart = this.now();
    this.scheduleOnce(WINDOW, this.ms);
    this.pull(this.in);
  }

  protected override onElement(element: T): void {
    let weight: number;
    try {
      weight = this.weightOf(element);
    } catch (e) {
      this.failStage(e);
      return;
    }
    if (typeof weight !== 'number' || !(weight >= 0)) {
      const message = `groupedWeightedWithin: weight must be a non-negative number, got ${String(weight)}`;
      this.failStage(new RangeError(message));
      return;
    }
    if (this.group.length === 0 || (this.group.length < this.n && this.groupWeight + weight <= this.maxWeight)) {
      this.add(element, weight);
    } else {
      this.pending = { element, weight };
      this.ready = true;
    }
    this.counters.sample();
    if (this.ready && this.isAvailable(this.out)) this.emitGroup();
    else if (!this.pending) this.pull(this.in);
  }

  protected override onPulled(): void {
    if (this.ready) this.emitGroup();
  }

  protected override onUpstreamDone(): void {
    if (this.group.length === 0) {
      this.completeStage();
      return;
    }
    this.ready = true;
    if (this.isAvailable(this.out)) this.emitGroup();
  }

  protected override onTimer(): void {
    const elapsed = this.now() - this.windowStart;
    if (elapsed < this.ms) {
      this.scheduleOnce(WINDOW, this.ms - elapsed);
      return;
    }
    if (this.group.length > 0) {
      this.ready = true;
      if (this.isAvailable(this.out)) this.emitGroup();
    } else {
      this.windowStart = this.now();
    }
    if (!this.isTimerActive(WINDOW)) this.scheduleOnce(WINDOW, this.ms);
  }

  private add(element: T, weight: number): void {
    this.group.push(element);
    this.groupWeight += weight;
    if (this.group.length >= this.n || this.groupWeight >= this.maxWeight) this.ready = true;
  }

  private emitGroup(): void {
    const group = this.group;
    this.group = [];
    this.groupWeight = 0;
    this.ready = false;
    this.windowStart = this.now();
    this.push(this.out, group);
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      this.add(pending.element, pending.weight);
    }
    if (!this.isClosed(this.in)) this.tryPull(this.in);
    else if (this.group.length > 0) this.ready = true;
    else this.completeStage();
  }
}

/** @internal `groupedWeightedWithin(maxWeight, weight, n, ms)`; `groupedWithin` is `(Infinity, () => 0, n, ms)`. */
export function groupedWeightedWithin<T>(
  maxWeight: number,
  weight: (element: T) => number,
  n: number,
  ms: number,
): Blueprint {
  if (typeof maxWeight !== 'number' || !(maxWeight > 0)) {
    throw new RangeError(`groupedWeightedWithin: maxWeight must be a positive number, got ${String(maxWeight)}`);
  }
  requireFunction('groupedWeightedWithin', 'weight', weight);
  const name = maxWeight === Number.POSITIVE_INFINITY ? 'groupedWithin' : 'groupedWeightedWithin';
  requirePositiveInt(name, 'n', n);
  requirePositiveDuration(name, 'ms', ms);
  return flowLogicBlueprint(name, (ctx) => new GroupedWeightedWithinLogic(ctx, maxWeight, weight, n, ms));
}
