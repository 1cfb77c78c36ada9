import { seq, type Blueprint, type StageContext } from '../core/blueprint';
import { requireFunction, requireNonNegativeInt } from '../core/validate';
import type { Flow } from '../dsl/flow';
import { GraphStageLogic } from '../stage/graph-stage';
import { Inlet, Outlet } from '../stage/shape';
import { logicBlueprint } from '../stage/stage-blueprint';
import { SubSinkInlet, SubSourceOutlet } from '../stage/sub-stream';

const inlet = new Inlet<any>('flatMapPrefix.in');
const outlet = new Outlet<any>('flatMapPrefix.out');

/**
 * Collects up to `n` elements, materializes `f(prefix)` as a sub-stream (`SubSourceOutlet → flow →
 * SubSinkInlet`), feeds it the prefix and then the rest of the input one element per pull, and emits what it
 * emits. Holds nothing but the prefix: the flow's demand drives the upstream.
 */
class FlatMapPrefixLogic<In, Out> extends GraphStageLogic {
  private prefix: In[] = [];
  private fed = 0;
  private flowIn: SubSourceOutlet<In> | undefined;
  private flowOut: SubSinkInlet<Out> | undefined;

  constructor(
    ctx: StageContext,
    private readonly n: number,
    private readonly f: (prefix: In[]) => Flow<In, Out, unknown>,
  ) {
    super(ctx, [inlet], [outlet]);
    this.setHandler(inlet, {
      onPush: () => {
        const element = this.grab(inlet);
        if (this.flowIn) this.flowIn.push(element);
        else if (this.prefix.push(element) === this.n) this.materializeFlow();
        else this.pull(inlet);
      },
      onUpstreamFinish: () => {
        if (!this.flowIn) this.materializeFlow();
        else if (this.fed === this.prefix.length) this.flowIn.complete();
      },
      onUpstreamFailure: (error) => {
        // Before the flow exists the stage fails; afterwards the flow sees the failure (and may recover).
        if (this.flowIn) this.flowIn.fail(error);
        else this.failStage(error);
      },
    });
    this.setHandler(outlet, {
      onPull: () => {
        const out = this.flowOut;
        if (!out) this.tryPull(inlet);
        else if (!out.isClosed && !out.hasBeenPulled) out.pull();
      },
    });
  }

  override preStart(): void {
    if (this.n === 0) this.materializeFlow();
  }

  private materializeFlow(): void {
    const flow = this.f(this.prefix); // a throw fails the stage
    const { blueprint, shape } = (flow ?? {}) as Partial<Flow<In, Out, unknown>>;
    if (typeof blueprint?.kind !== 'string' || shape?.inlets.length !== 1 || shape.outlets.length !== 1) {
      throw new TypeError(`${this.ctx.name}: f must return a Flow, got ${flow === null ? 'null' : typeof flow}`);
    }
    const flowOut = new SubSinkInlet<Out>(this, `${this.ctx.name}.out`, {
      onPush: () => this.push(outlet, flowOut.grab()),
      onUpstreamFinish: () => this.completeStage(),
    });
    const flowIn = new SubSourceOutlet<In>(this, `${this.ctx.name}.in`, {
      onPull: () => this.feed(),
      onDownstreamFinish: (cause) => this.cancel(inlet, cause),
    });
    this.flowIn = flowIn;
    this.flowOut = flowOut;
    flowIn.materialize(seq(blueprint, flowOut.sink(), (l: unknown) => l));
    if (this.isAvailable(outlet)) flowOut.pull();
  }

  /** The flow pulled: the next prefix element, then upstream's. */
  private feed(): void {
    const flowIn = this.flowIn!;
    if (this.fed < this.prefix.length) {
      flowIn.push(this.prefix[this.fed++]!);
      if (this.fed === this.prefix.length && this.isClosed(inlet)) flowIn.complete();
    } else if (this.isClosed(inlet)) {
      flowIn.complete();
    } else {
      this.tryPull(inlet);
    }
  }
}

/** @internal `flatMapPrefix(n, f)`. */
export function flatMapPrefix<In, Out>(n: number, f: (prefix: In[]) => Flow<In, Out, unknown>): Blueprint {
  requireNonNegativeInt('flatMapPrefix', 'n', n);
  requireFunction('flatMapPrefix', 'f', f);
  return logicBlueprint('flatMapPrefix', (ctx) => new FlatMapPrefixLogic(ctx, n, f), inlet, outlet);
}
