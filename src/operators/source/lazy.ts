import type { Blueprint, StageContext } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import type { Source } from '../../dsl/source';
import { Deferred } from '../../stage/fused-sink';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';
import { SubSinkInlet } from '../../stage/sub-stream';
import { returnedSource } from '../flow/graph-arg';

/** `Source.lazy`'s materialized value rejects with this when the stream ended before the first pull. */
export class NeverMaterializedError extends Error {
  override readonly name = 'NeverMaterializedError';
  constructor() {
    super('Source.lazy: the stream was cancelled before the first pull, so the inner source was never materialized');
  }
}

const out = new Outlet<unknown>('lazy.out');

/** On the first pull: calls the factory, runs the source into a sub-inlet, and forwards its elements and end. */
class LazyLogic<M> extends GraphStageLogic {
  readonly mat = new Deferred<M>();
  private inner: SubSinkInlet<unknown> | undefined;

  constructor(
    ctx: StageContext,
    private readonly factory: () => Source<unknown, M>,
  ) {
    super(ctx, [], [out]);
    this.setHandler(out, { onPull: () => (this.inner ? this.inner.pull() : this.materializeInner()) });
  }

  override postStop(): void {
    if (!this.inner) this.mat.reject(new NeverMaterializedError());
  }

  private materializeInner(): void {
    const inner = new SubSinkInlet<unknown>(this, 'lazy.inner', {
      onPush: () => this.push(out, inner.grab()),
      onUpstreamFinish: () => this.completeStage(),
      onUpstreamFailure: (e) => this.failStage(e),
    });
    this.inner = inner;
    try {
      this.mat.resolve(inner.materialize(returnedSource('Source.lazy', this.factory(), 'factory')) as M);
    } catch (e) {
      const failure = this.ctx.failure(e);
      this.mat.reject(failure);
      this.failStage(failure);
      return;
    }
    inner.pull();
  }
}

/** @internal `Source.lazy(factory)`: materializes `Promise<M>`. */
export function lazy<T, M>(factory: () => Source<T, M>): Blueprint {
  requireFunction('Source.lazy', 'factory', factory);
  return logicBlueprint(
    'lazy',
    (ctx) => {
      const logic = new LazyLogic<M>(ctx, factory);
      return { logic, mat: logic.mat.promise };
    },
    undefined,
    out,
  );
}

/** @internal `Source.defer(factory)`: the factory's source is created and materialized in place at each run. */
export function defer<T, M>(factory: () => Source<T, M>): Blueprint {
  requireFunction('Source.defer', 'factory', factory);
  return { kind: 'deferred', make: () => returnedSource('Source.defer', factory(), 'factory') };
}
