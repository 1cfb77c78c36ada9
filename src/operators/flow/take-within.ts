import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireDuration } from '../../core/validate';
import { FlowLogic, flowLogicBlueprint } from './flow-logic';

/** Passes elements through until `ms` after start, then completes and cancels upstream. */
class TakeWithinLogic<T> extends FlowLogic<T, T> {
  constructor(
    ctx: StageContext,
    private readonly ms: number,
  ) {
    super(ctx);
  }

  override preStart(): void {
    this.scheduleOnce('takeWithin', this.ms);
  }

  protected override onTimer(): void {
    this.completeStage();
  }
}

/** @internal `takeWithin(ms)`. */
export function takeWithin(ms: number): Blueprint {
  requireDuration('takeWithin', 'ms', ms);
  return flowLogicBlueprint('takeWithin', (ctx) => new TakeWithinLogic(ctx, ms));
}
