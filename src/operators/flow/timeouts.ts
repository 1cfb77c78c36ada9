import type { Blueprint, StageContext } from '../../core/blueprint';
import { StreamTimeoutError } from '../../core/errors';
import { requirePositiveDuration } from '../../core/validate';
import { FlowLogic, flowLogicBlueprint } from './flow-logic';

const TIMEOUT = 'timeout';

/** A pass-through whose timer starts with the stage; subclasses decide what expiry means. */
abstract class TimeoutLogic<T> extends FlowLogic<T, T> {
  constructor(
    ctx: StageContext,
    protected readonly ms: number,
  ) {
    super(ctx);
  }

  override preStart(): void {
    this.scheduleOnce(TIMEOUT, this.ms);
  }

  protected timedOut(message: string): void {
    this.failStage(new StreamTimeoutError(message));
  }
}

/** Fails if the first element has not passed within `ms` of start. */
class InitialTimeoutLogic<T> extends TimeoutLogic<T> {
  protected override onElement(element: T): void {
    this.cancelTimer(TIMEOUT);
    this.push(this.out, element);
  }

  protected override onTimer(): void {
    this.timedOut(`initialTimeout: the first element did not pass within ${this.ms} ms`);
  }
}

/** Fails if the stream has not completed within `ms` of start. */
class CompletionTimeoutLogic<T> extends TimeoutLogic<T> {
  protected override onTimer(): void {
    this.timedOut(`completionTimeout: the stream did not complete within ${this.ms} ms`);
  }
}

/**
 * Fails when no element passed for `ms` (counted from start, then from the last element). The timer is not
 * re-armed per element: when it fires before the window is over it sleeps for the rest of it.
 */
class IdleTimeoutLogic<T> extends TimeoutLogic<T> {
  private lastElementAt = 0;

  override preStart(): void {
    this.lastElementAt = this.now();
    super.preStart();
  }

  protected override onElement(element: T): void {
    this.lastElementAt = this.now();
    this.push(this.out, element);
  }

  protected override onTimer(): void {
    const idle = this.now() - this.lastElementAt;
    if (idle < this.ms) this.scheduleOnce(TIMEOUT, this.ms - idle);
    else this.timedOut(`idleTimeout: no element passed for ${this.ms} ms`);
  }
}

/** @internal `initialTimeout(ms)`. */
export function initialTimeout(ms: number): Blueprint {
  requirePositiveDuration('initialTimeout', 'ms', ms);
  return flowLogicBlueprint('initialTimeout', (ctx) => new InitialTimeoutLogic(ctx, ms));
}

/** @internal `completionTimeout(ms)`. */
export function completionTimeout(ms: number): Blueprint {
  requirePositiveDuration('completionTimeout', 'ms', ms);
  return flowLogicBlueprint('completionTimeout', (ctx) => new CompletionTimeoutLogic(ctx, ms));
}

/** @internal `idleTimeout(ms)`. */
export function idleTimeout(ms: number): Blueprint {
  requirePositiveDuration('idleTimeout', 'ms', ms);
  return flowLogicBlueprint('idleTimeout', (ctx) => new IdleTimeoutLogic(ctx, ms));
}
