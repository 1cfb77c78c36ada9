import type { ObservableInput } from 'rxjs';
import type { Blueprint, StageContext } from '../../core/blueprint';
import { EmptyResultError, firstValue } from '../../core/first-value';
import { requireFunction } from '../../core/validate';
import { GraphStageLogic } from '../../stage/graph-stage';
import { Outlet } from '../../stage/shape';
import { logicBlueprint } from '../../stage/stage-blueprint';

const out = new Outlet<unknown>('unfoldResourceAsync.out');

/** Why the stage is ending: it closes the resource first, then signals this. */
type Ending = { readonly kind: 'complete' } | { readonly kind: 'cancel' } | { readonly kind: 'fail'; readonly error: unknown };
type CloseResult = { readonly error?: unknown };

/**
 * Opens the resource at start, reads one element per pull and closes the resource exactly once. At most one of
 * open/read/close is in flight; an ending (end of data, failure, cancel) that arrives while open or read is in
 * flight waits for it to settle, then closes. The stage keeps going until close settled, so completion and
 * failure are signalled only after the resource was released (and the stage cannot stop with a call in flight).
 */
class UnfoldResourceAsyncLogic<R, T> extends GraphStageLogic {
  private resource: { readonly value: R } | undefined;
  private busy = false;
  private ending: Ending | undefined;
  private closing = false;

  constructor(
    ctx: StageContext,
    private readonly open: () => ObservableInput<R>,
    private readonly read: (resource: R) => ObservableInput<T | undefined>,
    private readonly close: (resource: R) => ObservableInput<unknown> | void,
  ) {
    super(ctx, [], [out]);
    this.setHandler(out, {
      onPull: () => this.readIfReady(),
      onDownstreamFinish: () => this.end({ kind: 'cancel' }),
    });
  }

  override preStart(): void {
    this.setKeepGoing(true);
    this.call(this.open, (r) => {
      this.resource = { value: r };
      if (this.ending) this.finish();
      else this.readIfReady();
    });
  }

  private readIfReady(): void {
    const resource = this.resource;
    if (!resource || this.busy || this.ending || !this.isAvailable(out)) return;
    this.call(
      () => this.read(resource.value),
      (element) => {
        if (this.ending) this.finish();
        else if (element === undefined) this.end({ kind: 'complete' });
        else this.push(out, element);
      },
    );
  }

  /** Runs `open` or `read`: `onValue` when it yields, ending the stage with its error when it throws or fails. */
  private call<V>(f: () => ObservableInput<V>, onValue: (value: V) => void): void {
    this.busy = true;
    const onError = (e: unknown): void => {
      this.busy = false;
      this.end({ kind: 'fail', error: e });
    };
    try {
      firstValue(
        f(),
        this.getAsyncCallback<V>((v) => {
          this.busy = false;
          onValue(v);
        }),
        this.getAsyncCallback(onError),
      );
    } catch (e) {
      onError(e);
    }
  }

  private end(reason: Ending): void {
    this.ending ??= reason;
    if (!this.busy) this.finish();
  }

  /** Closes the resource (if open) once nothing is in flight, then signals the ending. */
  private finish(): void {
    if (this.closing) return;
    this.closing = true;
    const resource = this.resource;
    this.resource = undefined;
    if (!resource) return this.done({});
    let result: ObservableInput<unknown> | void;
    try {
      result = this.close(resource.value);
    } catch (e) {
      return this.done({ error: e });
    }
    if (result == null) return this.done({});
    const closed = this.getAsyncCallback<CloseResult>((r) => this.done(r));
    try {
      // A close that completes without a value (e.g. `EMPTY`) has succeeded.
      firstValue(
        result,
        () => closed({}),
        (e) => closed(e instanceof EmptyResultError ? {} : { error: e }),
      );
    } catch (e) {
      this.done({ error: e }); // not an ObservableInput
    }
  }

  private done(close: CloseResult): void {
    const ending = this.ending!;
    if (ending.kind === 'fail') this.failStage(ending.error);
    else if (ending.kind === 'complete') {
      if ('error' in close) this.failStage(close.error);
      else this.completeStage();
    }
    // After a cancel nobody is listening: a close error has nowhere to go.
    this.setKeepGoing(false);
  }
}

/** @internal `Source.unfoldResourceAsync(open, read, close)`. */
export function unfoldResourceAsync<R, T>(
  open: () => ObservableInput<R>,
  read: (resource: R) => ObservableInput<T | undefined>,
  close: (resource: R) => ObservableInput<unknown> | void,
): Blueprint {
  requireFunction('Source.unfoldResourceAsync', 'open', open);
  requireFunction('Source.unfoldResourceAsync', 'read', read);
  requireFunction('Source.unfoldResourceAsync', 'close', close);
  return logicBlueprint(
    'unfoldResourceAsync',
    (ctx) => new UnfoldResourceAsyncLogic<R, T>(ctx, open, read, close),
    undefined,
    out,
  );
}
