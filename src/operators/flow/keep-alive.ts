import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction, requirePositiveDuration } from '../../core/validate';
import { FlowLogic, flowLogicBlueprint } from './flow-logic';

const IDLE = 'keepAlive';

/**
 * Pulls upstream eagerly (holding at most one element) and pushes `inject()` when nothing was pushed downstream
 * for `ms` while downstream is pulling. If downstream only pulls after the deadline, the injection happens on
 * that pull. The timer is re-armed lazily: it sleeps for the rest of the window when it fires early.
 */
class KeepAliveLogic<T> extends FlowLogic<T, T> {
  private lastPushAt = 0;
  private held: { readonly element: T } | undefined;

  constructor(
    ctx: StageContext,
    private readonly ms: number,
    private readonly inject: () => T,
  ) {
    super(ctx);
  }

  override preStart(): void {
    this.lastPushAt = this.now();
    this.scheduleOnce(IDLE, this.ms);
    this.pull(this.in);
  }

  protected override onElement(element: T): void {
    if (this.isAvailable(this.out)) this.pushElement(element);
    else this.held = { element };
  }

  protected override onPulled(): void {
    const held = this.held;
    if (held) {
      this.held = undefined;
      this.pushElement(held.element);
    } else if (this.now() - this.lastPushAt >= this.ms) {
      this.pushInjected();
    }
  }

  protected override onUpstreamDone(): void {
    if (!this.held) this.completeStage();
  }

  protected override onTimer(): void {
    const idle = this.now() - this.lastPushAt;
    if (idle < this.ms) this.scheduleOnce(IDLE, this.ms - idle);
    else if (this.isAvailable(this.out)) this.pushInjected();
    // Otherwise downstream is not pulling: `onPulled` injects (and re-arms) when it does.
  }

  private pushElement(element: T): void {
    this.pushed(element);
    if (this.isClosed(this.in)) this.completeStage();
    else this.pull(this.in);
  }

  private pushInjected(): void {
    let element: T;
    try {
      element = this.inject();
    } catch (e) {
      this.failStage(e);
      return;
    }
    this.pushed(element);
  }

  private pushed(element: T): void {
    this.push(this.out, element);
    this.lastPushAt = this.now();
    if (!this.isTimerActive(IDLE)) this.scheduleOnce(IDLE, this.ms);
  }
}

/** @internal `keepAlive(ms, inject)`. */
export function keepAlive<T>(ms: number, inject: () => T): Blueprint {
  requirePositiveDuration('keepAlive', 'ms', ms);
  requireFunction('keepAlive', 'inject', inject);
  return flowLogicBlueprint('keepAlive', (ctx) => new KeepAliveLogic(ctx, ms, inject));
}
