import type { ObservableInput, Unsubscribable } from 'rxjs';
import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { firstValue } from '../../core/first-value';
import { requireFunction } from '../../core/validate';
import { FusedSource } from '../../stage/fused-source';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';

type Step<S, T> = readonly [S, T] | undefined;

/** Checks what an unfold step returned: `undefined` (end) or a `[nextState, element]` pair. */
function checkStep<S, T>(op: string, step: Step<S, T>): Step<S, T> {
  if (step === undefined || (Array.isArray(step) && step.length === 2)) return step;
  throw new TypeError(`${op}: f must return [nextState, element] or undefined to complete, got ${String(step)}`);
}

class UnfoldSource<S, T> extends FusedSource<T> {
  constructor(
    ctx: StageContext,
    private state: S,
    private readonly f: (state: S) => Step<S, T>,
  ) {
    super(ctx);
  }
  protected produce(): void {
    const step = checkStep('Source.unfold', this.f(this.state));
    if (step === undefined) return this.complete();
    this.state = step[0];
    this.emit(step[1]);
  }
}

const out = new Outlet<unknown>('unfoldAsync.out');

/** One step at a time: `f(state)` is called on pull, its first value is pushed and becomes the next state. */
class UnfoldAsyncLogic<S, T> extends GraphStageLogic {
  private handle: Unsubscribable | undefined;

  constructor(
    ctx: StageContext,
    private state: S,
    f: (state: S) => ObservableInput<Step<S, T>>,
  ) {
    super(ctx, [], [out]);
    const onStep = this.getAsyncCallback<Step<S, T>>((result) => {
      this.handle = undefined;
      const step = checkStep('Source.unfoldAsync', result);
      if (step === undefined) return this.completeStage();
      this.state = step[0];
      this.push(out, step[1]);
    });
    const onError = this.getAsyncCallback<unknown>((e) => this.failStage(e));
    this.setHandler(out, { onPull: () => (this.handle = firstValue(f(this.state), onStep, onError)) });
  }

  override postStop(): void {
    this.handle?.unsubscribe();
  }
}

/** @internal `Source.unfold(state, f)`. */
export function unfold<S, T>(state: S, f: (state: S) => readonly [S, T] | undefined): Blueprint {
  requireFunction('Source.unfold', 'f', f);
  return atom('unfold', (ctx) => ({ out: new UnfoldSource<S, T>(ctx, state, f), mat: undefined }));
}

/** @internal `Source.unfoldAsync(state, f)`: at most one step in flight. */
export function unfoldAsync<S, T>(state: S, f: (state: S) => ObservableInput<readonly [S, T] | undefined>): Blueprint {
  requireFunction('Source.unfoldAsync', 'f', f);
  return logicBlueprint('unfoldAsync', (ctx) => new UnfoldAsyncLogic<S, T>(ctx, state, f), undefined, out);
}
