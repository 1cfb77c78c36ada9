import type { Blueprint, StageContext } from '../core/blueprint';
import { GraphStageLogic } from '../stage/graph-stage';
import type { Inlet, Outlet } from '../stage/shape';
import type { SubSourceOutlet } from '../stage/sub-stream';
import { RestartBackoff, type RestartSettings } from './backoff';

const RESTART = 'restart';

/** The blueprint of what a restart factory returned, if it is a `kind` (Flow, Sink); a clear error otherwise. */
export function createdBlueprint(
  op: string,
  value: unknown,
  kind: abstract new (...args: never[]) => { readonly blueprint: Blueprint },
): Blueprint {
  if (!(value instanceof kind)) {
    throw new TypeError(`${op}: the factory must return a ${kind.name}, got ${value === null ? 'null' : typeof value}`);
  }
  return value.blueprint;
}

/**
 * What `RestartFlow` and `RestartSink` share: they feed upstream's elements into an inner stream (`toInner`), hold
 * at most one element that no inner stream took yet (it waits for the next one across a restart), and start a
 * new inner stream after the backoff when the current one ends.
 */
export abstract class RestartingInputLogic<In> extends GraphStageLogic {
  /** The input of the running inner stream (`undefined` while waiting for a restart). */
  protected toInner: SubSourceOutlet<In> | undefined;
  /** The element taken from upstream that no inner stream has taken yet. */
  protected waiting: { readonly element: In } | undefined;
  private startedAt = 0;
  private readonly backoff: RestartBackoff;

  constructor(
    ctx: StageContext,
    private readonly input: Inlet<In>,
    outlets: readonly Outlet<any>[],
    settings: RestartSettings,
    onlyOnFailures: boolean,
  ) {
    super(ctx, [input], outlets);
    this.backoff = new RestartBackoff(settings, onlyOnFailures);
  }

  /** Materializes a new inner stream (`toInner` set), or reports with `restartOrEnd` why it could not. */
  protected abstract startInner(): void;

  override preStart(): void {
    this.startedAt = this.now();
    this.startInner();
  }

  protected override onTimer(): void {
    this.startedAt = this.now();
    this.startInner();
  }

  /** Takes upstream's element and hands it on when the inner stream can take it. */
  protected take(): void {
    this.waiting = { element: this.grab(this.input) };
    this.feed();
  }

  /** Moves the waiting element into the inner stream, pulls upstream for it, or completes its input after upstream. */
  protected feed(): void {
    const to = this.toInner;
    if (!to || to.isClosed) return;
    if (this.waiting) {
      if (!to.isAvailable) return;
      const { element } = this.waiting;
      this.waiting = undefined;
      to.push(element);
    }
    if (this.isClosed(this.input)) {
      to.complete();
      this.setKeepGoing(false);
    } else if (to.isAvailable && !this.hasBeenPulled(this.input)) {
      this.pull(this.input);
    }
  }

  /**
   * The inner stream ended (`failure` set when it failed): schedules its restart after the backoff and returns
   * true, or returns false when no restart is allowed (the caller ends the stage).
   */
  protected restartAfterBackoff(failure: { readonly error: unknown } | undefined): boolean {
    this.toInner = undefined;
    const delay = this.backoff.restartDelay(this.now(), this.startedAt, failure);
    if (delay === undefined) return false;
    this.scheduleOnce(RESTART, delay);
    return true;
  }
}
