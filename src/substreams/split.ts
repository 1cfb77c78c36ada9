import type { StageContext, Blueprint } from '../core/blueprint';
import { requireFunction } from '../core/validate';
import { SplitMergeLogic, splitMergeBlueprint, type SplitFactory, type Substream } from './split-merge-logic';

/** Substreams a merge after `splitWhen`/`splitAfter` runs at once unless `mergeSubstreamsWithParallelism` says. */
export const DEFAULT_SPLIT_PARALLELISM = 16;

/**
 * `splitWhen` / `splitAfter`: one substream is open at a time. `splitWhen` starts a new substream with each
 * element the predicate holds for (the first element always starts one, so no substream is empty); `splitAfter`
 * ends the current substream after such an element. When a substream cancels its input, the elements up to the
 * next split are dropped (Akka's `SubstreamCancelStrategy.drain`).
 */
class SplitLogic<In> extends SplitMergeLogic<In> {
  private current: Substream<In> | undefined;
  /** The current substream cancelled: drop elements until the next split. */
  private draining = false;

  constructor(
    ctx: StageContext,
    perSubstream: Blueprint,
    maxLive: number,
    private readonly predicate: (element: In) => boolean,
    private readonly after: boolean,
  ) {
    super(ctx, perSubstream, maxLive);
  }

  protected classify(element: In): unknown {
    return this.predicate(element) === true;
  }

  protected place(element: In, split: unknown): void {
    const cur = this.current;
    if (this.after) {
      if (cur) this.deliver(cur, element, split, split === true);
      else if (this.draining) this.draining = split !== true;
      else this.openWith(element, split, split === true);
      return;
    }
    if (cur && split !== true) return this.deliver(cur, element, split);
    if (cur) this.closeInput(cur);
    else if (this.draining && split !== true) return;
    this.openWith(element, split);
  }

  protected override onOpened(sub: Substream<In>): void {
    this.current = sub;
    this.draining = false;
  }

  protected released(sub: Substream<In>, cancelled: boolean): void {
    if (sub !== this.current) return;
    this.current = undefined;
    this.draining = cancelled;
  }
}

/** @internal `splitWhen(predicate)` (`after` false) and `splitAfter(predicate)` (`after` true). */
export function split<In>(predicate: (element: In) => boolean, after: boolean): SplitFactory {
  const name = after ? 'splitAfter' : 'splitWhen';
  requireFunction(name, 'predicate', predicate);
  return (perSubstream, parallelism) =>
    splitMergeBlueprint(
      name,
      (ctx) => new SplitLogic<In>(ctx, perSubstream, parallelism ?? DEFAULT_SPLIT_PARALLELISM, predicate, after),
    );
}
