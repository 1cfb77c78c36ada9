import type { Blueprint, StageContext } from '../../core/blueprint';
import type { BufferStats } from '../../core/materializer';
import { RingBuffer } from '../../core/ring-buffer';
import { requireFunction, requirePositiveInt } from '../../core/validate';
import type { Source } from '../../dsl/source';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Inlet, Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';
import { SubSinkInlet } from '../../stage/sub-stream';
import { returnedSource } from './graph-arg';

const inlet = new Inlet<any>('flatMap.in');
const outlet = new Outlet<any>('flatMap.out');

/**
 * Shared by `flatMapMerge(breadth, f)` and `flatMapConcat(f)` (breadth 1): runs up to `breadth` inner sources at
 * once, each pulled one element at a time. Inner sources with an element waiting queue up in arrival order, so
 * at most `breadth` elements are held and no inner source can starve the others.
 */
class FlatMapLogic<In, Out> extends GraphStageLogic implements BufferStats {
  /** Inner sources whose pushed element waits for downstream, oldest first. */
  private readonly ready: RingBuffer<SubSinkInlet<Out>>;
  /** Inner sources running or holding a waiting element. */
  private active = 0;
  private _peak = 0;

  constructor(
    ctx: StageContext,
    readonly capacity: number,
    private readonly f: (element: In) => Source<Out, unknown>,
  ) {
    super(ctx, [inlet], [outlet]);
    this.ready = new RingBuffer(capacity);
    this.setHandler(inlet, {
      onPush: () => this.open(this.grab(inlet)),
      onUpstreamFinish: () => this.completeIfDone(),
    });
    this.setHandler(outlet, { onPull: () => this.pushReady() });
  }

  get buffered(): number {
    return this.ready.size;
  }
  get inFlight(): number {
    return this.active - this.ready.size;
  }
  get peak(): number {
    return this._peak;
  }
  get demand(): number {
    return this.capacity - this.active;
  }
  override stats(): BufferStats {
    return this;
  }

  override preStart(): void {
    this.pull(inlet);
  }

  private open(element: In): void {
    const source = returnedSource(this.ctx.name, this.f(element)); // a throw fails the stage
    const inner: SubSinkInlet<Out> = new SubSinkInlet<Out>(this, `${this.ctx.name}.inner`, {
      onPush: () => {
        this.ready.push(inner);
        this.pushReady();
      },
      onUpstreamFinish: () => {
        if (!inner.isAvailable) this.innerDone();
      },
    });
    if (++this.active > this._peak) this._peak = this.active;
    inner.materialize(source);
    inner.pull();
    this.pullIfRoom();
  }

  private pushReady(): void {
    if (this.ready.isEmpty || !this.isAvailable(outlet)) return;
    const inner = this.ready.shift();
    this.push(outlet, inner.grab());
    if (inner.isClosed) this.innerDone();
    else inner.pull();
  }

  private innerDone(): void {
    this.active--;
    this.pullIfRoom();
    this.completeIfDone();
  }

  private pullIfRoom(): void {
    if (this.active < this.capacity) this.tryPull(inlet);
  }

  private completeIfDone(): void {
    if (this.isClosed(inlet) && this.active === 0) this.completeStage();
  }
}

/** @internal `flatMapMerge(breadth, f)` and, with breadth 1, `flatMapConcat(f)`. */
export function flatMap<In, Out>(name: string, breadth: number, f: (element: In) => Source<Out, unknown>): Blueprint {
  requireFunction(name, 'f', f);
  return logicBlueprint(name, (ctx) => new FlatMapLogic(ctx, breadth, f), inlet, outlet);
}

/** @internal `flatMapMerge(breadth, f)`. */
export function flatMapMerge<In, Out>(breadth: number, f: (element: In) => Source<Out, unknown>): Blueprint {
  requirePositiveInt('flatMapMerge', 'breadth', breadth);
  return flatMap('flatMapMerge', breadth, f);
}
