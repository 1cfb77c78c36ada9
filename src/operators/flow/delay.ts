import type { OverflowStrategy } from '../../core/overflow-strategy';
import type { Blueprint } from '../../core/blueprint';
/** Options of `delay`. */
export interface DelayOptions {
  /** Elements held while their delay runs; default 16. */
  readonly bufferSize?: number;
  /** When the buffer is full: `backpressure` (default), `emitEarly` (emit the oldest now), a drop strategy or `fail`. */
  readonly overflow?: OverflowStrategy | 'emitEarly';
}
export function delay(_ms: number, _options?: DelayOptions): Blueprint {
  throw new Error('pending: delay');
}
