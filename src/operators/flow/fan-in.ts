import type { Blueprint, StageContext } from '../../core/blueprint';
import { GraphStageLogic, type InHandler } from '../../stage/graph-stage';
import { Inlet, Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';
import { SubSinkInlet } from '../../stage/sub-stream';

/** One input of a fan-in stage, used the same way whether it is the stage's own inlet or a sub-stream's. */
export interface StageInput<T> {
  readonly isAvailable: boolean;
  readonly isClosed: boolean;
  readonly hasBeenPulled: boolean;
  pull(): void;
  grab(): T;
  cancel(cause?: unknown): void;
}

/** Pulls `input` unless it is closed, already pulled, or holds an element. */
export function tryPullInput(input: StageInput<unknown>): void {
  if (!input.isClosed && !input.hasBeenPulled && !input.isAvailable) input.pull();
}

const inlet = new Inlet<any>('fanIn.in');
const outlet = new Outlet<any>('fanIn.out');

/** The stage's own inlet as a `StageInput`. */
function ownInput<T>(logic: GraphStageLogic, port: Inlet<T>): StageInput<T> {
  return {
    get isAvailable() {
      return logic.isAvailable(port);
    },
    get isClosed() {
      return logic.isClosed(port);
    },
    get hasBeenPulled() {
      return logic.hasBeenPulled(port);
    },
    pull: () => logic.pull(port),
    grab: () => logic.grab(port),
    cancel: (cause) => logic.cancel(port, cause),
  };
}

/**
 * Base of the linear fan-in operators (`concat`, `prepend`, `orElse`, `merge`, `zipWith`): input 0 is the stream
 * the operator is attached to, input 1 the `other` source, materialized when the stage starts. Subclasses react
 * to `onInputPush(i)`, `onInputFinish(i)` and `onPull()`; a failure of either input fails the stage.
 */
export abstract class FanInLogic<Out> extends GraphStageLogic {
  protected readonly inputs: readonly [StageInput<any>, StageInput<any>];
  protected readonly out: Outlet<Out> = outlet;
  private readonly other: SubSinkInlet<any>;

  constructor(
    ctx: StageContext,
    private readonly otherSource: Blueprint,
  ) {
    super(ctx, [inlet], [outlet]);
    const handler = (i: 0 | 1): InHandler => ({
      onPush: () => this.onInputPush(i),
      onUpstreamFinish: () => this.onInputFinish(i),
    });
    this.setHandler(inlet, handler(0));
    this.other = new SubSinkInlet(this, `${ctx.name}.other`, handler(1));
    this.inputs = [ownInput(this, inlet), this.other];
    this.setHandler(outlet, { onPull: () => this.onPull() });
  }

  override preStart(): void {
    this.other.materialize(this.otherSource);
  }

  /** An element is available on input `i`. */
  protected abstract onInputPush(i: 0 | 1): void;
  /** Input `i` completed (an element it pushed may still be available). */
  protected abstract onInputFinish(i: 0 | 1): void;
  /** Downstream wants an element. */
  protected abstract onPull(): void;
}

/** @internal The linear-DSL blueprint of a fan-in logic. */
export function fanInBlueprint(name: string, create: (ctx: StageContext) => FanInLogic<unknown>): Blueprint {
  return logicBlueprint(name, create, inlet, outlet);
}

