import type { Readable } from 'node:stream';
import type { Blueprint } from '../../core/blueprint';
/** Options of `Source.fromReadable`. */
export interface FromReadableOptions {
  /** Bytes per `read()` for byte streams; default: whatever the readable has buffered. */
  readonly chunkSize?: number;
}
// eslint-disable-next-line
export function fromReadable<_T>(_readable: Readable, _options?: FromReadableOptions): Blueprint {
  throw new Error('pending: fromReadable');
}
