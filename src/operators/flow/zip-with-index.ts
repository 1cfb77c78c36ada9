import { atom, type Blueprint } from '../../core/blueprint';
import { FusedStage } from '../../stage/fused-stage';

class ZipWithIndexStage<T> extends FusedStage<T, [T, number]> {
  private index = 0;
  onNext(element: T): void {
    this.downstream.onNext([element, this.index++]);
  }
}

/** @internal `zipWithIndex()`: pairs each element with its 0-based index. */
export function zipWithIndex(): Blueprint {
  return atom('zipWithIndex', (ctx) => {
    const stage = new ZipWithIndexStage(ctx);
    return { in: stage, out: stage, mat: undefined };
  });
}
