import type { Blueprint, StageContext } from '../../core/blueprint';
import { ExpandingStage } from '../../stage/expanding-stage';
import { fusedBlueprint } from '../../stage/fused-stage';

class IntersperseStage<T> extends ExpandingStage<T, T> {
  private seenFirst = false;
  constructor(
    ctx: StageContext,
    private readonly inject: T,
    private readonly start: T | undefined,
    private readonly end: T | undefined,
  ) {
    super(ctx);
  }
  onNext(element: T): void {
    if (this.seenFirst) {
      this.emitMultiple([this.inject, element].values());
      return;
    }
    this.seenFirst = true;
    this.emitMultiple((this.start === undefined ? [element] : [this.start, element]).values());
  }
  protected override finalElements(): Iterator<T> | undefined {
    const last: T[] = [];
    if (!this.seenFirst && this.start !== undefined) last.push(this.start);
    if (this.end !== undefined) last.push(this.end);
    return last.length > 0 ? last.values() : undefined;
  }
}

/** @internal `intersperse(inject, start?, end?)`: on an empty stream only `start` and `end` are emitted. */
export function intersperse<T>(inject: T, start?: T, end?: T): Blueprint {
  if (inject === undefined) throw new TypeError('intersperse: inject must not be undefined');
  return fusedBlueprint('intersperse', (ctx) => new IntersperseStage(ctx, inject, start, end));
}
