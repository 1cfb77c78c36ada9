import { atom, type Blueprint, type StageContext } from '../core/blueprint';
import type { GraphStage, GraphStageLogic } from './graph-stage';
import type { Inlet, Outlet, Shape } from './shape';

/** The blueprint of a `GraphStage`: its ports in shape order (the linear DSL uses the first inlet and outlet). */
export function stageBlueprint<M>(stage: GraphStage<Shape, M>, name = stage.name): Blueprint {
  const { inlets, outlets } = stage.shape;
  return atom(name, (ctx) => {
    const { logic, mat } = stage.createLogicAndMaterializedValue(ctx);
    ctx.onStart(() => logic.start(), logic.stats());
    return { ins: inlets.map((i) => logic.inPort(i)), outs: outlets.map((o) => logic.outPort(o)), mat };
  });
}

/**
 * The blueprint of a logic created per materialization, exposing `inlet` and/or `outlet` for the linear DSL.
 * `create` returns the logic, or the logic with a materialized value.
 */
export function logicBlueprint(
  name: string,
  create: (ctx: StageContext) => GraphStageLogic | { logic: GraphStageLogic; mat: unknown },
  inlet?: Inlet<any>,
  outlet?: Outlet<any>,
): Blueprint {
  return atom(name, (ctx) => {
    const created = create(ctx);
    const { logic, mat } = 'logic' in created ? created : { logic: created, mat: undefined };
    ctx.onStart(() => logic.start(), logic.stats());
    return { in: inlet ? logic.inPort(inlet) : undefined, out: outlet ? logic.outPort(outlet) : undefined, mat };
  });
}
