import type { ObservableInput, Unsubscribable } from 'rxjs';
import type { Blueprint, StageContext } from '../../core/blueprint';
import { EmptyResultError, firstValue } from '../../core/first-value';
import { BufferCounters } from '../../core/buffer-counters';
import { requireFunction, requirePositiveInt } from '../../core/validate';
import { Deferred } from '../../stage/fused-sink';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Inlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';

const inlet = new Inlet<any>('forEachAsync.in');

/**
 * Keeps up to `capacity` calls of `f` in flight, pulling whenever one slot is free; resolves once upstream
 * finished and the last call settled. A call that fails (or throws) fails the stage, which cancels upstream and
 * unsubscribes the calls still running. A call's first value, or its completion without one, counts as done.
 */
class ForEachAsyncLogic<T> extends GraphStageLogic {
  readonly result = new Deferred<void>();
  private readonly calls = new Set<Unsubscribable>();
  private pending = 0;
  private readonly counters: BufferCounters;

  constructor(
    ctx: StageContext,
    private readonly capacity: number,
    private readonly f: (element: T) => ObservableInput<unknown>,
  ) {
    super(ctx, [inlet], []);
    this.setHandler(inlet, {
      onPush: () => this.call(this.grab(inlet)),
      onUpstreamFinish: () => this.pullOrFinish(),
      onUpstreamFailure: (e) => this.abort(e),
    });
    this.counters = new BufferCounters(capacity, () => 0, () => this.pending, () => !this.isStopped);
  }

  override stats(): BufferCounters {
    return this.counters;
  }

  override preStart(): void {
    this.setKeepGoing(true);
    this.pull(inlet);
  }

  /** A call failed: cancel upstream and reject with the failure (wrapped with this stage's name). */
  override failStage(error: unknown): void {
    const failure = this.ctx.failure(error);
    super.failStage(failure);
    this.abort(failure);
  }

  private abort(failure: unknown): void {
    this.result.reject(failure);
    this.setKeepGoing(false);
  }

  override postStop(): void {
    for (const handle of this.calls) handle.unsubscribe();
    this.calls.clear();
  }

  private call(element: T): void {
    this.pending++;
    this.counters.sample();
    let handle: Unsubscribable | undefined;
    const settled = this.getAsyncCallback<{ readonly error?: unknown }>((result) => {
      if (handle) this.calls.delete(handle);
      this.pending--;
      if ('error' in result) this.failStage(result.error);
      else this.pullOrFinish();
    });
    handle = firstValue(
      this.f(element),
      () => settled({}),
      (e) => settled(e instanceof EmptyResultError ? {} : { error: e }),
    );
    if (handle) this.calls.add(handle);
    this.pullOrFinish();
  }

  /** Pulls while a slot is free; resolves once upstream finished and nothing is in flight. */
  private pullOrFinish(): void {
    if (!this.isClosed(inlet)) {
      if (this.pending < this.capacity) this.tryPull(inlet);
    } else if (this.pending === 0) {
      this.result.resolve();
      this.setKeepGoing(false);
    }
  }
}

/** @internal `Sink.forEachAsync(parallelism, f)`. */
export function forEachAsyncSink<T>(parallelism: number, f: (element: T) => ObservableInput<unknown>): Blueprint {
  requirePositiveInt('Sink.forEachAsync', 'parallelism', parallelism);
  requireFunction('Sink.forEachAsync', 'f', f);
  return logicBlueprint(
    'forEachAsync',
    (ctx) => {
      const logic = new ForEachAsyncLogic<T>(ctx, parallelism, f);
      return { logic, mat: logic.result.promise };
    },
    inlet,
  );
}
