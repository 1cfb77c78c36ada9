import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { FusedSource } from '../../stage/fused-source';

class SingleSource<T> extends FusedSource<T> {
  private emitted = false;
  constructor(
    ctx: StageContext,
    private readonly element: T,
  ) {
    super(ctx);
  }
  protected produce(): void {
    if (this.emitted) return this.complete();
    this.emitted = true;
    this.emit(this.element);
    this.complete();
  }
}

/** Completes (or fails) on start, before any demand. */
class TerminalSource<T> extends FusedSource<T> {
  constructor(ctx: StageContext, error?: { readonly cause: unknown }) {
    super(ctx);
    ctx.onStart(() => (error ? this.fail(error.cause) : this.complete()));
  }
  protected produce(): void {}
}

class NeverSource<T> extends FusedSource<T> {
  protected produce(): void {}
  override onDemand(): void {}
}

/** @internal `Source.single`. */
export function singleSource<T>(element: T): Blueprint {
  return atom('single', (ctx) => ({ out: new SingleSource(ctx, element), mat: undefined }));
}
/** @internal `Source.empty`. */
export function emptySource(): Blueprint {
  return atom('empty', (ctx) => ({ out: new TerminalSource(ctx), mat: undefined }));
}
/** @internal `Source.failed`. */
export function failedSource(error: unknown): Blueprint {
  return atom('failed', (ctx) => ({ out: new TerminalSource(ctx, { cause: error }), mat: undefined }));
}
/** @internal `Source.never`. */
export function neverSource(): Blueprint {
  return atom('never', (ctx) => ({ out: new NeverSource(ctx), mat: undefined }));
}
