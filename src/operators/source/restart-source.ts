import type { Blueprint, StageContext } from '../../core/blueprint';
import { RingBuffer } from '../../core/ring-buffer';
import { rootCause } from '../../core/stage-failure';
import { requireFunction, requireNonNegativeInt } from '../../core/validate';
import type { RestartSettings } from '../../dsl/restart-source';
import type { Source } from '../../dsl/source';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';
import { SubSinkInlet } from '../../stage/sub-stream';
import { tryPullInput } from '../flow/fan-in';
import { returnedSource } from '../flow/graph-arg';

const outlet = new Outlet<any>('restartSource.out');
const RESTART = 'restart';

/**
 * Runs `factory()`'s source and, when it ends, runs a new one after a backoff: `minBackoffMs` doubling per restart
 * up to `maxBackoffMs`, plus up to `randomFactor` of random extra delay. The backoff starts again from
 * `minBackoffMs` when the inner source ran for at least `minBackoffMs` (measured from its start, not from the
 * restart decision, so a source that keeps failing soon after starting backs off further — akka/akka#30310).
 * More than `maxRestarts` restarts within any `maxRestartsWithinMs` window end the source with the last outcome.
 */
class RestartSourceLogic<T> extends GraphStageLogic {
  private inner: SubSinkInlet<T> | undefined;
  private innerStartedAt = 0;
  /** Restarts since the backoff was last reset (the exponent of the delay). */
  private backoffStep = 0;
  /** Times of the recent restarts, when `maxRestarts` is limited. */
  private readonly recent: RingBuffer<number> | undefined;

  constructor(
    ctx: StageContext,
    private readonly settings: RestartSettings,
    private readonly factory: () => Source<T, unknown>,
    private readonly onlyOnFailures: boolean,
  ) {
    super(ctx, [], [outlet]);
    const max = settings.maxRestarts;
    this.recent = max !== undefined && max > 0 ? new RingBuffer<number>(max) : undefined;
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
    const end = (): void => (failed ? this.failStage(error) : this.completeStage());
    const { restartOn } = this.settings;
    if (failed ? restartOn !== undefined && !restartOn(rootCause(error)) : this.onlyOnFailures) return end();
    if (!this.restartAllowed()) return end();
    const { minBackoffMs, maxBackoffMs, randomFactor } = this.settings;
    if (this.now() - this.innerStartedAt >= minBackoffMs) this.backoffStep = 0;
    const base = Math.min(maxBackoffMs, minBackoffMs * 2 ** this.backoffStep);
    if (base < maxBackoffMs) this.backoffStep++;
    this.scheduleOnce(RESTART, base * (1 + Math.random() * randomFactor));
  }

  /** Counts a restart unless `maxRestarts` were already made within the window. */
  private restartAllowed(): boolean {
    const { maxRestarts, maxRestartsWithinMs = Number.POSITIVE_INFINITY } = this.settings;
    if (maxRestarts === undefined) return true;
    const recent = this.recent;
    if (!recent) return false; // maxRestarts 0
    const now = this.now();
    while (!recent.isEmpty && now - recent.peek() >= maxRestartsWithinMs) recent.shift();
    if (recent.isFull) return false;
    recent.push(now);
    return true;
  }
}

function requirePositiveDuration(op: string, field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${op}: ${field} must be a finite number of milliseconds > 0, got ${String(value)}`);
  }
}

/** Checks `settings` with errors naming the field and value. */
function validate(op: string, settings: RestartSettings): void {
  if (typeof settings !== 'object' || settings === null) {
    throw new TypeError(`${op}: settings must be an object, got ${settings === null ? 'null' : typeof settings}`);
  }
  const { minBackoffMs, maxBackoffMs, randomFactor, maxRestarts, maxRestartsWithinMs, restartOn } = settings;
  requirePositiveDuration(op, 'settings.minBackoffMs', minBackoffMs);
  requirePositiveDuration(op, 'settings.maxBackoffMs', maxBackoffMs);
  if (maxBackoffMs < minBackoffMs) {
    throw new RangeError(`${op}: settings.maxBackoffMs (${maxBackoffMs}) must be >= settings.minBackoffMs (${minBackoffMs})`);
  }
  if (typeof randomFactor !== 'number' || !Number.isFinite(randomFactor) || randomFactor < 0) {
    throw new RangeError(`${op}: settings.randomFactor must be a finite number >= 0, got ${String(randomFactor)}`);
  }
  if (maxRestarts !== undefined) requireNonNegativeInt(op, 'settings.maxRestarts', maxRestarts);
  if (maxRestartsWithinMs !== undefined) {
    if (maxRestarts === undefined) throw new TypeError(`${op}: settings.maxRestartsWithinMs needs settings.maxRestarts`);
    requirePositiveDuration(op, 'settings.maxRestartsWithinMs', maxRestartsWithinMs);
  }
  if (restartOn !== undefined) requireFunction(op, 'settings.restartOn', restartOn);
}

/** @internal `RestartSource.withBackoff` (`onlyOnFailures` false) and `RestartSource.onFailuresWithBackoff`. */
export function restartSource<T>(
  op: string,
  settings: RestartSettings,
  factory: () => Source<T, unknown>,
  onlyOnFailures: boolean,
): Blueprint {
  validate(op, settings);
  requireFunction(op, 'factory', factory);
  const frozen: RestartSettings = { ...settings };
  return logicBlueprint('restartSource', (ctx) => new RestartSourceLogic(ctx, frozen, factory, onlyOnFailures), undefined, outlet);
}
