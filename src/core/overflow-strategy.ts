/**
 * What a bounded buffer does when an element arrives and it is full.
 * - `backpressure`: stop pulling upstream until there is room (lossless).
 * - `dropHead`: drop the oldest buffered element. `dropTail`: drop the newest buffered element.
 * - `dropBuffer`: drop everything buffered. `dropNew`: drop the arriving element.
 * - `fail`: fail the stream with `BufferOverflowError`.
 */
export type OverflowStrategy = 'backpressure' | 'dropHead' | 'dropTail' | 'dropBuffer' | 'dropNew' | 'fail';

/** The strategies by name, as in Akka (`OverflowStrategy.dropHead`). */
export const OverflowStrategy = {
  backpressure: 'backpressure',
  dropHead: 'dropHead',
  dropTail: 'dropTail',
  dropBuffer: 'dropBuffer',
  dropNew: 'dropNew',
  fail: 'fail',
} as const satisfies Record<OverflowStrategy, OverflowStrategy>;

/** Strategies that can be applied to a hot source, which cannot be slowed down. */
export type DroppingOverflowStrategy = Exclude<OverflowStrategy, 'backpressure'>;

/** The error `OverflowStrategy.fail` fails with. */
export class BufferOverflowError extends Error {
  override readonly name = 'BufferOverflowError';
  constructor(readonly capacity: number) {
    super(`buffer overflow: the buffer of ${capacity} elements is full and the overflow strategy is 'fail'`);
  }
}

const all = new Set<string>(Object.keys(OverflowStrategy));

/** Throws a clear error for anything that is not a strategy name. */
export function checkOverflowStrategy(value: unknown, field = 'overflow'): OverflowStrategy {
  if (typeof value !== 'string' || !all.has(value)) {
    throw new TypeError(`${field} must be one of ${[...all].join(', ')}; got ${JSON.stringify(value)}`);
  }
  return value as OverflowStrategy;
}
