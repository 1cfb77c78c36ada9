import type { Blueprint } from '../../core/blueprint';
import { FusedStage, fusedBlueprint } from '../../stage/fused-stage';

class ZipWithIndexStage<T> extends FusedStage<T, [T, number]> {
  private index = 0;
  onNext(element: T): void {
    this.downstream.onNext([element, this.index++]);
  }
}

/** @internal `zipWithIndex()`: pairs each element with its 0-based index. */
export function zipWithIndex(): Blueprint {
  return fusedBlueprint('zipWithIndex', (ctx) => new ZipWithIndexStage(ctx));
}
