import type { Blueprint, StageContext } from '../../core/blueprint';
import { BufferCounters } from '../../core/buffer-counters';
import { RingBuffer } from '../../core/ring-buffer';
import { requireFunction, requirePositiveInt } from '../../core/validate';
import type { Source } from '../../dsl/source';
import { SubSinkInlet } from '../../stage/sub-stream';
import { flowLogicBlueprint } from './flow-logic';
import { returnedSource } from './graph-arg';
import { ParallelLogic } from './parallel-logic';

/**
 * Shared by `flatMapMerge(breadth, f)` and `flatMapConcat(f)` (breadth 1): runs up to `breadth` inner sources at
 * once, each pulled one element at a time. Inner sources with an element waiting queue up in arrival order, so
 * at most `breadth` elements are held and no inner source can starve the others.
 */
class FlatMapLogic<In, Out> extends ParallelLogic<In, Out> {
  /** Inner sources whose pushed element waits for downstream, oldest first. */
  private readonly ready: RingBuffer<SubSinkInlet<Out>>;
  /** Inner sources running or holding a waiting element. */
  private active = 0;

  constructor(
    ctx: StageContext,
    capacity: number,
    private readonly f: (element: In) => Source<Out, unknown>,
  ) {
    // Elements waiting for downstream, and inner sources running without one.
    super(ctx, new BufferCounters(capacity, () => this.ready.size, () => this.active - this.ready.size));
    this.ready = new RingBuffer(capacity);
  }

  /** Runs the element's inner source. */
  protected override onElement(element: In): void {
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
    this.active++;
    this.counters.sample();
    inner.materialize(source);
    inner.pull();
    this.pullIfRoom();
  }

  protected pushReady(): void {
    if (this.ready.isEmpty || !this.isAvailable(this.out)) return;
    const inner = this.ready.shift();
    this.push(this.out, inner.grab());
    if (inner.isClosed) this.innerDone();
    else inner.pull();
  }

  private innerDone(): void {
    this.active--;
    this.pullIfRoom();
    this.completeIfDone();
  }
}

/** @internal `flatMapMerge(breadth, f)` and, with breadth 1, `flatMapConcat(f)`. */
export function flatMap<In, Out>(name: string, breadth: number, f: (element: In) => Source<Out, unknown>): Blueprint {
  requireFunction(name, 'f', f);
  return flowLogicBlueprint(name, (ctx) => new FlatMapLogic(ctx, breadth, f));
}

/** @internal `flatMapMerge(breadth, f)`. */
export function flatMapMerge<In, Out>(breadth: number, f: (element: In) => Source<Out, unknown>): Blueprint {
  requirePositiveInt('flatMapMerge', 'breadth', breadth);
  return flatMap('flatMapMerge', breadth, f);
}
