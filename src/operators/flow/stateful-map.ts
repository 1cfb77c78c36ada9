import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class StatefulMapStage<S, In, Out> extends FusedStage<In, Out> {
  private state!: S;
  /** Whether `state` exists and `onComplete` has not been called for it yet. */
  private live = false;

  constructor(
    ctx: StageContext,
    private readonly create: () => S,
    private readonly f: (state: S, element: In) => readonly [S, Out],
    private readonly finish: (state: S) => Out | undefined,
  ) {
    super(ctx);
    ctx.onStart(() => {
      if (this.closed) return; // downstream cancelled while starting
      try {
        this.state = create();
        this.live = true;
      } catch (e) {
        this.failStage(e);
      }
    });
  }

  onNext(element: In): void {
    let next: S;
    let out: Out;
    try {
      [next, out] = this.f(this.state, element);
    } catch (e) {
      this.supervise(e);
      return;
    }
    this.state = next;
    if (out !== undefined) this.downstream.onNext(out);
  }

  override cancel(cause?: unknown): void {
    if (!this.closed) this.releaseQuietly();
    super.cancel(cause);
  }

  protected override onUpstreamFinish(): void {
    let last: Out | undefined;
    try {
      last = this.release();
    } catch (e) {
      this.downstream.onError(this.ctx.failure(e));
      this.ctx.stopped();
      return;
    }
    if (last !== undefined) this.emitThenComplete(last);
    else super.onUpstreamFinish();
  }

  protected override onUpstreamFailure(error: unknown): void {
    this.releaseQuietly();
    super.onUpstreamFailure(error);
  }

  protected override failStage(error: unknown): void {
    if (!this.closed) this.releaseQuietly();
    super.failStage(error);
  }

  /** The old state is finished with `onComplete` (its element is dropped) and a new one is created. */
  protected override restart(): void {
    try {
      this.release();
      this.state = this.create();
      this.live = true;
    } catch (e) {
      this.failStage(e);
    }
  }

  /** Calls `onComplete` once for the current state. */
  private release(): Out | undefined {
    if (!this.live) return undefined;
    this.live = false;
    return this.finish(this.state);
  }

  /** `release` when the stream fails or is cancelled: its element and errors have nowhere to go. */
  private releaseQuietly(): void {
    try {
      this.release();
    } catch {
      // The stream is already failing or cancelled; Akka likewise ignores onComplete's outcome here.
    }
  }
}

/**
 * @internal `statefulMap(create, f, onComplete)` (supervised; `restart` finishes the state and creates a new one).
 * `onComplete` runs once, on the first of upstream completion, failure or downstream cancellation; only after
 * completion is its element emitted. An `undefined` element from `f` is not emitted.
 */
export function statefulMap<S, In, Out>(
  create: () => S,
  f: (state: S, element: In) => readonly [S, Out],
  onComplete: (state: S) => Out | undefined,
): Blueprint {
  requireFunction('statefulMap', 'create', create);
  requireFunction('statefulMap', 'f', f);
  requireFunction('statefulMap', 'onComplete', onComplete);
  return fusedBlueprint('statefulMap', (ctx) => new StatefulMapStage(ctx, create, f, onComplete));
}
