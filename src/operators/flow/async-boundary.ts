import { atom, type Blueprint } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { BufferStage } from './buffer';

/** @internal `async(bufferSize)`: a backpressured buffer whose size defaults to the `inputBufferSize` attribute (16). */
export function asyncBoundary<T>(bufferSize?: number): Blueprint {
  if (bufferSize !== undefined) requirePositiveInt('async', 'bufferSize', bufferSize);
  return atom('async', (ctx) => {
    const size = bufferSize ?? ctx.attributes.inputBufferSize ?? 16;
    const stage = new BufferStage<T>(ctx, size, 'backpressure');
    return { in: stage, out: stage, mat: undefined };
  });
}
