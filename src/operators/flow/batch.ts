import type { Blueprint, StageContext } from '../../core/blueprint';
import { BufferCounters } from '../../core/buffer-counters';
import { requireFunction, requirePositiveInt } from '../../core/validate';
import { FlowLogic, flowLogicBlueprint } from './flow-logic';

/**
 * Akka's `Batch`, shared by `batch` and `conflateWithSeed` (which is `batch` with no limit). Pulls upstream
 * eagerly; while downstream is not pulling, elements are folded into one aggregate (`seed` for the first,
 * `aggregate` for the rest). Once `max` elements are aggregated, the next one waits as `pending` (it seeds the
 * next aggregate) and upstream is backpressured, so at most `max + 1` elements are held.
 */
export class BatchLogic<In, S> extends FlowLogic<In, S> {
  private aggregated = 0;
  private acc: S | undefined;
  private pending: { readonly element: In } | undefined;
  private readonly counters: BufferCounters;

  constructor(
    ctx: StageContext,
    private readonly max: number,
    private readonly seed: (element: In) => S,
    private readonly aggregate: (acc: S, element: In) => S,
  ) {
    super(ctx);
    const held = (): number => this.aggregated + (this.pending ? 1 : 0);
    this.counters = new BufferCounters(max + 1, held, undefined, () => !this.isStopped);
  }

  /** Counters for `batch`; `conflate` (no limit) holds one aggregate of any number of elements and has none. */
  override stats(): BufferCounters | undefined {
    return Number.isFinite(this.max) ? this.counters : undefined;
  }

  override preStart(): void {
    this.pull(this.in);
  }

  protected override onElement(element: In): void {
    if (this.aggregated === 0) this.seedWith(element);
    else if (this.aggregated >= this.max) this.pending = { element };
    else this.fold(element);
    this.counters.sample();
    if (this.isAvailable(this.out)) this.flush();
    if (!this.pending) this.tryPull(this.in);
  }

  protected override onPulled(): void {
    if (this.aggregated > 0) this.flush();
    if (!this.isClosed(this.in)) this.tryPull(this.in);
    else if (this.aggregated === 0) this.completeStage();
  }

  protected override onUpstreamDone(): void {
    if (this.aggregated === 0) this.completeStage();
  }

  /** Pushes the aggregate and starts the next one from the pending element, if any. */
  private flush(): void {
    const acc = this.acc as S;
    this.acc = undefined;
    this.aggregated = 0;
    this.push(this.out, acc);
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      this.seedWith(pending.element);
    }
  }

  private seedWith(element: In): void {
    try {
      this.acc = this.seed(element);
    } catch (e) {
      this.failStage(e);
      return;
    }
    this.aggregated = 1;
  }

  private fold(element: In): void {
    try {
      this.acc = this.aggregate(this.acc as S, element);
    } catch (e) {
      this.failStage(e);
      return;
    }
    this.aggregated++;
  }
}

/** @internal `batch(max, seed, aggregate)`. */
export function batch<In, S>(max: number, seed: (element: In) => S, aggregate: (acc: S, element: In) => S): Blueprint {
  requirePositiveInt('batch', 'max', max);
  requireFunction('batch', 'seed', seed);
  requireFunction('batch', 'aggregate', aggregate);
  return flowLogicBlueprint('batch', (ctx) => new BatchLogic(ctx, max, seed, aggregate));
}
