import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireDuration } from '../../core/validate';
import { FlowLogic, flowLogicBlueprint } from './flow-logic';

/** Does not pull upstream until `ms` after start; then passes elements through. */
class InitialDelayLogic<T> extends FlowLogic<T, T> {
  private open = false;

  constructor(
    ctx: StageContext,
    private readonly ms: number,
  ) {
    super(ctx);
  }

  override preStart(): void {
    if (this.ms === 0) this.open = true;
    else this.scheduleOnce('initialDelay', this.ms);
  }

  protected override onTimer(): void {
    this.open = true;
    if (this.isAvailable(this.out)) this.pull(this.in);
  }

  protected override onPulled(): void {
    if (this.open) this.pull(this.in);
  }
}

/** @internal `initialDelay(ms)`. */
export function initialDelay(ms: number): Blueprint {
  requireDuration('initialDelay', 'ms', ms);
  return flowLogicBlueprint('initialDelay', (ctx) => new InitialDelayLogic(ctx, ms));
}
