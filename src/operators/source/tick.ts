import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireDuration, requirePositiveDuration } from '../../core/validate';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';

/** Stops a tick source (it completes). */
export interface Cancellable {
  /** Completes the source; later calls do nothing. Safe to call from anywhere, even before the stream starts. */
  cancel(): void;
  /** Whether `cancel()` was called. */
  readonly isCancelled: boolean;
}

const out = new Outlet<any>('tick.out');
const TICK = 'tick';

/** Pushes `value` on each timer tick if downstream is pulling at that moment; otherwise the tick is dropped. */
class TickLogic<T> extends GraphStageLogic {
  constructor(
    ctx: StageContext,
    private readonly initialDelayMs: number,
    private readonly intervalMs: number,
    private readonly value: T,
  ) {
    super(ctx, [], [out]);
    this.setHandler(out, { onPull: () => {} });
  }

  override preStart(): void {
    this.schedulePeriodically(TICK, this.intervalMs, this.initialDelayMs);
  }

  protected override onTimer(): void {
    if (this.isAvailable(out)) this.push(out, this.value);
  }
}

/** @internal `Source.tick(initialDelayMs, intervalMs, value)`. */
export function tick<T>(initialDelayMs: number, intervalMs: number, value: T): Blueprint {
  requireDuration('tick', 'initialDelayMs', initialDelayMs);
  requirePositiveDuration('tick', 'intervalMs', intervalMs);
  return logicBlueprint(
    'tick',
    (ctx) => {
      const logic = new TickLogic(ctx, initialDelayMs, intervalMs, value);
      const stop = logic.getAsyncCallback<void>(() => logic.completeStage());
      let cancelled = false;
      const mat: Cancellable = {
        cancel() {
          if (cancelled) return;
          cancelled = true;
          stop();
        },
        get isCancelled() {
          return cancelled;
        },
      };
      return { logic, mat };
    },
    undefined,
    out,
  );
}
