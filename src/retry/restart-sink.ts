import type { StageContext } from '../core/blueprint';
import { NoMoreElementsNeeded } from '../core/protocol';
import { requireFunction } from '../core/validate';
import type { NotUsed } from '../dsl/keep';
import { Sink } from '../dsl/sink';
import { Inlet } from '../stage/shape';
import { logicBlueprint } from '../stage/stage-blueprint';
import { SubSourceOutlet } from '../stage/sub-stream';
import { validateRestartSettings, type RestartSettings } from './backoff';
import { createdBlueprint, RestartingInputLogic } from './restarting-logic';

const inlet = new Inlet<any>('restartSink.in');

/**
 * Feeds upstream's elements to `factory()`'s sink and, when that sink cancels (it finished or failed), runs a new
 * one after the backoff. An element taken from upstream that the old sink could not take any more waits for the
 * next one (at most one element is held, also across upstream completion).
 */
class RestartSinkLogic<In> extends RestartingInputLogic<In> {
  constructor(
    ctx: StageContext,
    settings: RestartSettings,
    private readonly factory: () => Sink<In, unknown>,
  ) {
    super(ctx, inlet, [], settings, false);
    this.setHandler(inlet, {
      onPush: () => this.take(),
      onUpstreamFinish: () => {
        // A waiting element still goes to the (next) inner sink before it is completed.
        if (this.waiting) this.setKeepGoing(true);
        this.feed();
      },
    });
  }

  protected startInner(): void {
    const to = new SubSourceOutlet<In>(this, `${this.ctx.name}.inner`, {
      onPull: () => this.feed(),
      onDownstreamFinish: (cause) => this.innerEnded(cause),
    });
    this.toInner = to;
    try {
      to.materialize(createdBlueprint('RestartSink.withBackoff', this.factory(), Sink));
    } catch (e) {
      to.complete();
      this.innerEnded(e);
    }
  }

  private innerEnded(cause: unknown): void {
    const failed = cause !== undefined && !(cause instanceof NoMoreElementsNeeded);
    if (!this.restartAfterBackoff(failed ? { error: cause } : undefined)) this.cancelStage(cause);
  }
}

/**
 * Sinks that restart the sink `factory()` creates, with exponential backoff (Akka's `RestartSink`): for writing
 * to a service whose client may fail. The inner sink is restarted whenever it cancels — because it finished (e.g.
 * `Sink.head`) or failed — with the backoff and limits of `RestartSettings` (timers on the materializer's
 * scheduler; `restartOn` decides for failures). While waiting for a restart, upstream is backpressured.
 *
 * Restarting is lossy: elements inside the old sink are gone. An element taken from upstream but not yet handed
 * to the old sink waits for the next one.
 *
 * - Backpressures when: the inner sink does, or while waiting for a restart.
 * - Completes when: upstream completes (the inner sink is completed).
 * - Fails when: upstream fails (the inner sink gets the failure).
 * - Cancels upstream when: the inner sink cancels and no restart follows (`restartOn` says no, or the
 *   `maxRestarts` limit was reached), with the inner sink's cause.
 */
export const RestartSink = {
  /**
   * @example source.to(RestartSink.withBackoff({ minBackoffMs: 1_000, maxBackoffMs: 60_000, randomFactor: 0.2 }, () => busSink(queue))).run()
   */
  withBackoff<In>(settings: RestartSettings, factory: () => Sink<In, unknown>): Sink<In, NotUsed> {
    const op = 'RestartSink.withBackoff';
    const frozen = validateRestartSettings(op, settings);
    requireFunction(op, 'factory', factory);
    return new Sink<In, NotUsed>(logicBlueprint('restartSink', (ctx) => new RestartSinkLogic(ctx, frozen, factory), inlet));
  },
};
