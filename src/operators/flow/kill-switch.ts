import type { Blueprint, StageContext } from '../../core/blueprint';
import { FlowLogic, flowLogicBlueprint } from './flow-logic';

/** How a switch was fired. */
export type Termination = { readonly aborted: false } | { readonly aborted: true; readonly error: unknown };

/**
 * The state behind a kill switch: fired at most once (the first call wins); every stage listening, now or later,
 * is told. Listeners are removed when their stage stops, so a shared switch holds only running streams.
 */
export class SwitchState {
  private fired: Termination | undefined;
  private readonly listeners = new Set<(t: Termination) => void>();

  fire(termination: Termination): void {
    if (this.fired) return;
    this.fired = termination;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener(termination);
  }

  /** Calls `listener` when the switch fires (at once if it already has); returns the unsubscribe function. */
  listen(listener: (t: Termination) => void): () => void {
    if (this.fired) {
      listener(this.fired);
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Passes elements through until its switch fires, then completes (shutdown) or fails (abort) and cancels upstream. */
class KillSwitchLogic<T> extends FlowLogic<T, T> {
  private unlisten: (() => void) | undefined;

  constructor(
    ctx: StageContext,
    private readonly state: SwitchState,
  ) {
    super(ctx);
  }

  override preStart(): void {
    this.unlisten = this.state.listen(
      this.getAsyncCallback<Termination>((t) => (t.aborted ? this.failStage(t.error) : this.completeStage())),
    );
  }

  override postStop(): void {
    this.unlisten?.();
  }
}

/** @internal A kill-switch stage controlled by `state`; `mat` makes the materialized value. */
export function killSwitchStage<M>(name: string, create: () => { readonly state: SwitchState; readonly mat: M }): Blueprint {
  return flowLogicBlueprint(name, (ctx) => {
    const { state, mat } = create();
    return { logic: new KillSwitchLogic(ctx, state), mat };
  });
}
