import type { Blueprint, StageContext } from '../../core/blueprint';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Inlet, Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';

const inlet = new Inlet<any>('in');
const outlet = new Outlet<any>('out');

/**
 * A one-inlet/one-outlet `GraphStageLogic` for the operators written on the author API (time- and rate-aware
 * operators, mapAsync, flatMap, kill switches). By default it passes elements straight through (a pull pulls
 * upstream, an element is pushed on); subclasses override the hooks. Upstream failure fails the stage.
 */
export abstract class FlowLogic<In, Out> extends GraphStageLogic {
  protected readonly in: Inlet<In> = inlet;
  protected readonly out: Outlet<Out> = outlet;

  constructor(ctx: StageContext) {
    super(ctx, [inlet], [outlet]);
    this.setHandlers(inlet, outlet, {
      onPush: () => this.onElement(this.grab(inlet)),
      onPull: () => this.onPulled(),
      onUpstreamFinish: () => this.onUpstreamDone(),
    });
  }

  /** An element arrived. Default: push it (the outlet is available because `onPulled` pulled upstream). */
  protected onElement(element: In): void {
    this.push(outlet, element as unknown as Out);
  }
  /** Downstream pulled. Default: pull upstream. */
  protected onPulled(): void {
    this.pull(inlet);
  }
  /** Upstream completed. Default: complete the stage. */
  protected onUpstreamDone(): void {
    this.completeStage();
  }
}

/** The linear-DSL blueprint of a `FlowLogic` created per materialization (optionally with a materialized value). */
export function flowLogicBlueprint(
  name: string,
  create: (ctx: StageContext) => FlowLogic<any, any> | { readonly logic: FlowLogic<any, any>; readonly mat: unknown },
): Blueprint {
  return logicBlueprint(name, create, inlet, outlet);
}
