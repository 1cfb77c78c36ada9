import { atom, type Blueprint, type StageContext } from '../core/blueprint';
import type { GraphStage, GraphStageLogic } from './graph-stage';
import type { Inlet, Outlet, Shape } from './shape';

/** The blueprint of a single-inlet/single-outlet (or fewer) `GraphStage`, for the linear DSL. */
export function stageBlueprint<M>(stage: GraphStage<Shape, M>, name = stage.name): Blueprint {
  const { inlets, outlets } = stage.shape;
  if (inlets.length > 1 || outlets.length > 1) {
    throw new TypeError(
      `stage '${name}' has ${inlets.length} inlets and ${outlets.length} outlets; the linear DSL takes at most one of each (use GraphDSL)`,
    );
  }
  return logicBlueprint(name, (ctx) => stage.createLogicAndMaterializedValue(ctx), inlets[0], outlets[0]);
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
