import type { Blueprint, StageContext } from '../../core/blueprint';
import { NoMoreElementsNeeded } from '../../core/protocol';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Inlet, Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';
import { SubSourceOutlet } from '../../stage/sub-stream';
import { requireGraph } from './graph-arg';

const inlet = new Inlet<any>('sideOutput.in');
const outlet = new Outlet<any>('sideOutput.out');

/**
 * How elements are shared with the side sink:
 * - `alsoTo`: every element goes to both outputs (the slower sets the pace); a side sink that stops normally is
 *   then skipped, one that fails fails the stream.
 * - `wireTap`: the side gets an element only if it has demand right then; the side never slows or stops the stream.
 * - `divertTo`: elements matching `predicate` go only to the side; the side stopping stops the stream
 *   (completing it, or failing it when the side failed), like Akka's `divertTo` (eager cancel).
 */
type SideOutputMode<T> =
  | { readonly kind: 'alsoTo' | 'wireTap' }
  | { readonly kind: 'divertTo'; readonly predicate: (element: T) => boolean };

/** Whether a cancellation cause reports a failure (as opposed to a normal "no more elements needed"). */
function isFailureCause(cause: unknown): boolean {
  return cause !== undefined && !(cause instanceof NoMoreElementsNeeded);
}

/**
 * Routes each element to the main output and/or a side sink materialized when the stage starts. It holds at most
 * one element (the one being delivered) and pulls upstream only after that element reached every output it is
 * meant for, so memory stays bounded whichever output is slower.
 */
class SideOutputLogic<T> extends GraphStageLogic {
  private readonly side: SubSourceOutlet<T>;
  private element: T | undefined;
  private toMain = false;
  private toSide = false;

  constructor(
    ctx: StageContext,
    private readonly sink: Blueprint,
    private readonly mode: SideOutputMode<T>,
  ) {
    super(ctx, [inlet], [outlet]);
    this.setHandler(inlet, {
      onPush: () => this.route(this.grab(inlet)),
      onUpstreamFinish: () => {
        if (!this.toMain && !this.toSide) this.completeStage();
      },
    });
    this.setHandler(outlet, { onPull: () => this.deliver() });
    this.side = new SubSourceOutlet<T>(this, `${ctx.name}.side`, {
      onPull: () => this.deliver(),
      onDownstreamFinish: (cause) => this.onSideFinish(cause),
    });
  }

  override preStart(): void {
    this.side.materialize(this.sink);
  }

  private route(element: T): void {
    const mode = this.mode;
    this.element = element;
    if (mode.kind === 'divertTo') {
      this.toSide = mode.predicate(element); // a throw fails the stage
      this.toMain = !this.toSide;
    } else {
      this.toMain = true;
      this.toSide = mode.kind === 'alsoTo' ? !this.side.isClosed : this.side.isAvailable;
    }
    this.deliver();
  }

  private deliver(): void {
    if (this.toMain && this.isAvailable(outlet)) {
      this.toMain = false;
      this.push(outlet, this.element as T);
    }
    if (this.toSide && this.side.isAvailable) {
      this.toSide = false;
      this.side.push(this.element as T);
    }
    if (this.toMain || this.toSide) return;
    this.element = undefined;
    if (this.isClosed(inlet)) {
      this.completeStage();
      return;
    }
    const wanted = this.isAvailable(outlet) || (this.mode.kind === 'divertTo' && this.side.isAvailable);
    if (wanted) this.tryPull(inlet);
  }

  private onSideFinish(cause: unknown): void {
    const kind = this.mode.kind;
    if (kind === 'wireTap' || (kind === 'alsoTo' && !isFailureCause(cause))) {
      this.toSide = false;
      this.deliver();
    } else if (isFailureCause(cause)) {
      this.failStage(cause);
    } else {
      this.completeStage();
    }
  }
}

/** @internal `alsoTo(sink)` / `wireTap(sink)`. */
export function tap(sink: Blueprint, mode: 'alsoTo' | 'wireTap'): Blueprint {
  requireGraph(mode, 'sink', 'Sink', sink);
  return logicBlueprint(mode, (ctx) => new SideOutputLogic(ctx, sink, { kind: mode }), inlet, outlet);
}

/** @internal `divertTo(sink, predicate)` (shares the stage with `alsoTo`). */
export function divertToBlueprint<T>(sink: Blueprint, predicate: (element: T) => boolean): Blueprint {
  return logicBlueprint('divertTo', (ctx) => new SideOutputLogic(ctx, sink, { kind: 'divertTo', predicate }), inlet, outlet);
}
