import type { Blueprint, StageContext } from '../core/blueprint';
import { requireFunction } from '../core/validate';
import type { Source } from '../dsl/source';
import { returnedSource } from '../operators/flow/graph-arg';
import { GraphStageLogic } from '../stage/graph-stage';
import { Inlet, Outlet } from '../stage/shape';
import { logicBlueprint } from '../stage/stage-blueprint';
import { SubSinkInlet } from '../stage/sub-stream';

const inlet = new Inlet<any>('switchMap.in');
const outlet = new Outlet<any>('switchMap.out');

/**
 * Keeps pulling upstream; each element replaces the running inner source (the previous one is cancelled and the
 * element it may hold is dropped). The inner source is pulled one element ahead of downstream.
 */
class SwitchMapLogic<In, Out> extends GraphStageLogic {
  private inner: SubSinkInlet<Out> | undefined;

  constructor(
    ctx: StageContext,
    private readonly f: (element: In) => Source<Out, unknown>,
  ) {
    super(ctx, [inlet], [outlet]);
    this.setHandler(inlet, {
      onPush: () => this.switchTo(this.grab(inlet)),
      onUpstreamFinish: () => this.completeIfDone(),
    });
    this.setHandler(outlet, { onPull: () => this.emitInner() });
  }

  override preStart(): void {
    this.pull(inlet);
  }

  private switchTo(element: In): void {
    const source = returnedSource(this.ctx.name, this.f(element)); // a throw fails the stage
    this.inner?.cancel();
    const inner: SubSinkInlet<Out> = new SubSinkInlet<Out>(this, `${this.ctx.name}.inner`, {
      onPush: () => this.emitInner(),
      onUpstreamFinish: () => {
        if (!inner.isAvailable) this.completeIfDone();
      },
    });
    this.inner = inner;
    inner.materialize(source);
    inner.pull();
    this.pull(inlet);
  }

  private emitInner(): void {
    const inner = this.inner;
    if (!inner?.isAvailable || !this.isAvailable(outlet)) return;
    this.push(outlet, inner.grab());
    if (!inner.isClosed) inner.pull();
    else this.completeIfDone();
  }

  private completeIfDone(): void {
    const inner = this.inner;
    if (this.isClosed(inlet) && (!inner || (inner.isClosed && !inner.isAvailable))) this.completeStage();
  }
}

/** @internal `switchMap(f)`. */
export function switchMap<In, Out>(f: (element: In) => Source<Out, unknown>): Blueprint {
  requireFunction('switchMap', 'f', f);
  return logicBlueprint('switchMap', (ctx) => new SwitchMapLogic(ctx, f), inlet, outlet);
}
