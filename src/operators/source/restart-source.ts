import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import type { Source } from '../../dsl/source';
import { RestartBackoff, validateRestartSettings, type RestartSettings } from '../../retry/backoff';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';
import { SubSinkInlet } from '../../stage/sub-stream';
import { tryPullInput } from '../flow/fan-in';
import { returnedSource } from '../flow/graph-arg';

const outlet = new Outlet<any>('restartSource.out');
const RESTART = 'restart';

/**
 * Runs `factory()`'s source and, when it ends, runs a new one after the backoff `RestartBackoff` computes
 * (exponential, reset once an inner source ran for `minBackoffMs`, limited by `maxRestarts`).
 */
class RestartSourceLogic<T> extends GraphStageLogic {
  private inner: SubSinkInlet<T> | undefined;
  private innerStartedAt = 0;
  private readonly backoff: RestartBackoff;

  constructor(
    ctx: StageContext,
    settings: RestartSettings,
    private readonly factory: () => Source<T, unknown>,
    onlyOnFailures: boolean,
  ) {
    super(ctx, [], [outlet]);
    this.backoff = new RestartBackoff(settings, onlyOnFailures);
    this.setHandler(outlet, {
      onPull: () => {
        if (this.inner) tryPullInput(this.inner);
      },
    });
  }

  override preStart(): void {
    this.startInner();
  }

  protected override onTimer(): void {
    this.startInner();
  }

  private startInner(): void {
    this.innerStartedAt = this.now();
    let source: Blueprint;
    try {
      source = returnedSource('RestartSource', this.factory());
    } catch (e) {
      this.innerEnded(true, e);
      return;
    }
    const inner: SubSinkInlet<T> = new SubSinkInlet<T>(this, `${this.ctx.name}.inner`, {
      onPush: () => this.push(outlet, inner.grab()),
      onUpstreamFinish: () => this.innerEnded(false, undefined),
      onUpstreamFailure: (e) => this.innerEnded(true, e),
    });
    this.inner = inner;
    inner.materialize(source);
    if (this.isAvailable(outlet)) inner.pull();
  }

  private innerEnded(failed: boolean, error: unknown): void {
    this.inner = undefined;
    const delay = this.backoff.restartDelay(this.now(), this.innerStartedAt, failed ? { error } : undefined);
    if (delay !== undefined) this.scheduleOnce(RESTART, delay);
    else if (failed) this.failStage(error);
    else this.completeStage();
  }
}

/** @internal `RestartSource.withBackoff` (`onlyOnFailures` false) and `RestartSource.onFailuresWithBackoff`. */
export function restartSource<T>(
  op: string,
  settings: RestartSettings,
  factory: () => Source<T, unknown>,
  onlyOnFailures: boolean,
): Blueprint {
  const frozen = validateRestartSettings(op, settings);
  requireFunction(op, 'factory', factory);
  return logicBlueprint('restartSource', (ctx) => new RestartSourceLogic(ctx, frozen, factory, onlyOnFailures), undefined, outlet);
}
