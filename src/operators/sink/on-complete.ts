import type { Blueprint } from '../../core/blueprint';
import { requireFunction } from '../../core/validate';
import { fromObserver } from './from-observer';

/** @internal `Sink.onComplete(callback)`: `callback()` on completion, `callback(failure)` on failure. */
export function onCompleteSink(callback: (error?: unknown) => void): Blueprint {
  requireFunction('Sink.onComplete', 'callback', callback);
  return fromObserver<unknown>({ complete: () => callback(), error: (e: unknown) => callback(e) }, 'onComplete');
}
