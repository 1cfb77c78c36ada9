import { seq, type Blueprint, type StageContext } from '../core/blueprint';
import { requireFunction } from '../core/validate';
import { Flow } from '../dsl/flow';
import type { NotUsed } from '../dsl/keep';
import { Inlet, Outlet } from '../stage/shape';
import { logicBlueprint } from '../stage/stage-blueprint';
import { SubSinkInlet, SubSourceOutlet } from '../stage/sub-stream';
import { validateRestartSettings, type RestartSettings } from './backoff';
import { createdBlueprint, RestartingInputLogic } from './restarting-logic';

const inlet = new Inlet<any>('restartFlow.in');
const outlet = new Outlet<any>('restartFlow.out');

/**
 * Runs `factory()`'s flow between this stage's inlet and outlet and, when the flow ends (its output completes or
 * fails), runs a new one after the backoff. An element taken from upstream that the old flow could not take
 * any more is handed to the next one (at most one element waits); elements inside the old flow are lost.
 */
class RestartFlowLogic<In, Out> extends RestartingInputLogic<In> {
  private fromInner: SubSinkInlet<Out> | undefined;

  constructor(
    ctx: StageContext,
    settings: RestartSettings,
    private readonly op: string,
    private readonly factory: () => Flow<In, Out, unknown>,
    onlyOnFailures: boolean,
  ) {
    super(ctx, inlet, [outlet], settings, onlyOnFailures);
    this.setHandler(inlet, {
      onPush: () => this.take(),
      onUpstreamFinish: () => {
        if (!this.fromInner && !this.waiting) this.completeStage();
        else this.feed();
      },
    });
    this.setHandler(outlet, {
      onPull: () => {
        const from = this.fromInner;
        if (from && !from.isClosed && !from.hasBeenPulled && !from.isAvailable) from.pull();
      },
    });
  }

  protected startInner(): void {
    let flow: Blueprint;
    try {
      flow = createdBlueprint(this.op, this.factory(), Flow);
    } catch (e) {
      this.innerEnded({ error: e });
      return;
    }
    const name = this.ctx.name;
    const from: SubSinkInlet<Out> = new SubSinkInlet<Out>(this, `${name}.inner.out`, {
      onPush: () => this.push(outlet, from.grab()),
      onUpstreamFinish: () => this.innerEnded(undefined),
      onUpstreamFailure: (error) => this.innerEnded({ error }),
    });
    const to = new SubSourceOutlet<In>(this, `${name}.inner.in`, {
      onPull: () => this.feed(),
      onDownstreamFinish: () => {}, // the flow stops taking input; it ends when its output does
    });
    this.fromInner = from;
    this.toInner = to;
    to.materialize(seq(flow, from.sink(), (l) => l));
    if (this.isClosed(inlet) && !this.waiting) to.complete();
    if (this.isAvailable(outlet)) from.pull();
  }

  private innerEnded(failure: { readonly error: unknown } | undefined): void {
    this.toInner?.complete();
    this.fromInner = undefined;
    if (!failure && this.isClosed(inlet) && !this.waiting) {
      this.completeStage();
      return;
    }
    if (this.restartAfterBackoff(failure)) return;
    if (failure) this.failStage(failure.error);
    else this.completeStage();
  }
}

function restartFlow<In, Out>(
  op: string,
  settings: RestartSettings,
  factory: () => Flow<In, Out, unknown>,
  onlyOnFailures: boolean,
): Flow<In, Out, NotUsed> {
  const frozen = validateRestartSettings(op, settings);
  requireFunction(op, 'factory', factory);
  const blueprint = logicBlueprint(
    'restartFlow',
    (ctx) => new RestartFlowLogic(ctx, frozen, op, factory, onlyOnFailures),
    inlet,
    outlet,
  );
  return new Flow<In, Out, NotUsed>(blueprint);
}

/**
 * Flows that restart the flow `factory()` creates, with exponential backoff (Akka's `RestartFlow`): for a step
 * that talks to a service which may drop the connection. Each restart calls `factory()` again. The backoff and
 * limits are those of `RestartSource` (`RestartSettings`; the delay doubles per restart and starts again from
 * `minBackoffMs` once a flow ran that long; all timers on the materializer's scheduler).
 *
 * Restarting is lossy: elements inside the old flow when it ended are gone. An element already taken from
 * upstream but not yet handed to the old flow waits for the next one (at most one element is held).
 *
 * - Emits when: the current inner flow emits and downstream pulls.
 * - Backpressures when: downstream does, or the inner flow does, or while waiting for a restart.
 * - Completes when: upstream completed and the inner flow completed; or (`onFailuresWithBackoff`) the inner flow
 *   completes; or the `maxRestarts` limit was reached after a completion.
 * - Fails when: upstream fails; or the inner flow fails and `restartOn` says no or the `maxRestarts` limit was
 *   reached (with its error).
 * - Cancels when: downstream cancels (the inner flow is cancelled and no restart is scheduled).
 */
export const RestartFlow = {
  /**
   * Restarts the inner flow whenever it completes or fails (while upstream has not completed).
   * @example source.via(RestartFlow.withBackoff({ minBackoffMs: 500, maxBackoffMs: 30_000, randomFactor: 0.2 }, () => httpFlow(endpoint)))
   */
  withBackoff<In, Out>(settings: RestartSettings, factory: () => Flow<In, Out, unknown>): Flow<In, Out, NotUsed> {
    return restartFlow('RestartFlow.withBackoff', settings, factory, false);
  },

  /**
   * Restarts the inner flow only when it fails; when it completes, this flow completes (and cancels upstream).
   * @example rows.via(RestartFlow.onFailuresWithBackoff({ minBackoffMs: 100, maxBackoffMs: 5_000, randomFactor: 0.1, maxRestarts: 5 }, () => writer()))
   */
  onFailuresWithBackoff<In, Out>(settings: RestartSettings, factory: () => Flow<In, Out, unknown>): Flow<In, Out, NotUsed> {
    return restartFlow('RestartFlow.onFailuresWithBackoff', settings, factory, true);
  },
};
