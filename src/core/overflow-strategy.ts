import type { RingBuffer } from './ring-buffer';

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

/**
 * Applies `strategy` to a full `buffer` an element arrives at: the dropping strategies make room (the result is
 * `enqueue`) or drop the arriving element (`drop`, for `dropNew`); `fail` and `backpressure` (a backpressured
 * buffer only gets an element it asked for) leave the buffer alone and answer `fail`.
 */
export function makeRoom(buffer: RingBuffer<unknown>, strategy: OverflowStrategy): 'enqueue' | 'drop' | 'fail' {
  switch (strategy) {
    case 'dropHead':
      buffer.shift();
      return 'enqueue';
    case 'dropTail':
      buffer.pop();
      return 'enqueue';
    case 'dropBuffer':
      buffer.clear();
      return 'enqueue';
    case 'dropNew':
      return 'drop';
    case 'fail':
    case 'backpressure':
      return 'fail';
  }
}
