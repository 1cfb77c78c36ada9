import type { Blueprint, StageContext } from '../../core/blueprint';
import { rootCause } from '../../core/stage-failure';
import { requireFunction } from '../../core/validate';
import type { Source } from '../../dsl/source';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Inlet, Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';
import { SubSinkInlet } from '../../stage/sub-stream';
import { returnedSource } from './graph-arg';

const inlet = new Inlet<any>('recoverWithRetries.in');
const outlet = new Outlet<any>('recoverWithRetries.out');

/**
 * Passes upstream's elements on; when upstream (or a recovery source) fails, switches to the source `f` returns
 * for the original error, at most `attempts` times (-1: no limit). `f` returning `undefined`, or no attempts left,
 * fails the stage with the error as it arrived (a `StageFailure` naming the stage that failed).
 */
class RecoverWithRetriesLogic<T> extends GraphStageLogic {
  private attemptsLeft: number;
  private recovery: SubSinkInlet<T> | undefined;

  constructor(
    ctx: StageContext,
    attempts: number,
    private readonly f: (error: unknown) => Source<T, unknown> | undefined,
  ) {
    super(ctx, [inlet], [outlet]);
    this.attemptsLeft = attempts;
    this.setHandler(inlet, {
      onPush: () => this.push(outlet, this.grab(inlet)),
      onUpstreamFailure: (error) => this.recover(error),
    });
    this.setHandler(outlet, {
      onPull: () => {
        if (this.recovery) this.recovery.pull();
        else this.pull(inlet);
      },
    });
  }

  private recover(error: unknown): void {
    if (this.attemptsLeft === 0) {
      this.failStage(error);
      return;
    }
    const next = this.f(rootCause(error)); // a throw fails the stage
    if (next === undefined) {
      this.failStage(error);
      return;
    }
    const source = returnedSource(this.ctx.name, next);
    if (this.attemptsLeft > 0) this.attemptsLeft--;
    const recovery: SubSinkInlet<T> = new SubSinkInlet<T>(this, `${this.ctx.name}.recovery`, {
      onPush: () => this.push(outlet, recovery.grab()),
      onUpstreamFinish: () => this.completeStage(),
      onUpstreamFailure: (e) => this.recover(e),
    });
    this.recovery = recovery;
    recovery.materialize(source);
    if (this.isAvailable(outlet)) recovery.pull();
  }
}

/** @internal `recoverWithRetries(attempts, f)`. */
export function recoverWithRetries<T>(attempts: number, f: (error: unknown) => Source<T, unknown> | undefined): Blueprint {
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < -1) {
    throw new RangeError(`recoverWithRetries: attempts must be an integer >= -1 (-1: unlimited), got ${String(attempts)}`);
  }
  requireFunction('recoverWithRetries', 'f', f);
  return logicBlueprint('recoverWithRetries', (ctx) => new RecoverWithRetriesLogic(ctx, attempts, f), inlet, outlet);
}
