import type { Blueprint } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { fusedBlueprint } from '../../stage/fused-stage';
import { BufferStage } from './buffer';

/** @internal `async(bufferSize)`: a backpressured buffer whose size defaults to the `inputBufferSize` attribute (16). */
export function asyncBoundary<T>(bufferSize?: number): Blueprint {
  if (bufferSize !== undefined) requirePositiveInt('async', 'bufferSize', bufferSize);
  return fusedBlueprint(
    'async',
    (ctx) => new BufferStage<T>(ctx, bufferSize ?? ctx.attributes.inputBufferSize ?? 16, 'backpressure'),
  );
}
