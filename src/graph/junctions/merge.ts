import type { StageContext } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { UniformFanInShape } from '../../stage/shape';
import { MergeLogic } from './merge-logic';
import { booleanOption } from './options';

/** Options of `Merge`, `MergePreferred` and `MergePrioritized`. */
export interface MergeJunctionOptions {
  /** Complete as soon as any input completes (default: when all inputs completed). */
  readonly eagerComplete?: boolean;
}

/**
 * Merges `n` inputs into one output, taking elements as they arrive (inputs that are ready take turns, longest
 * waiting first). Holds at most one element per input.
 * - Emits when: an input has an element and the output has demand. Backpressures when: downstream backpressures.
 * - Completes when: all inputs completed, or with `eagerComplete` when any input completed (the others are then
 *   cancelled; elements already received are still emitted). Fails when: any input fails.
 * - Cancels when: downstream cancels.
 *
 * @example
 * const merge = b.add(Merge.create<Row>(2));
 * b.from(tableA).to(merge.in(0)); b.from(tableB).to(merge.in(1)); b.from(merge.out).to(sink);
 */
export class Merge<T> extends GraphStage<UniformFanInShape<T, T>> {
  readonly shape: UniformFanInShape<T, T>;
  override get name(): string {
    return 'merge';
  }

  private constructor(
    n: number,
    private readonly options: MergeJunctionOptions,
  ) {
    super();
    this.shape = UniformFanInShape.create<T, T>('merge', n);
  }

  /** A merge of `n` inputs. */
  static create<T>(n: number, options: MergeJunctionOptions = {}): Merge<T> {
    requirePositiveInt('Merge', 'n', n);
    booleanOption('Merge', options, 'eagerComplete');
    return new Merge<T>(n, options);
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    const { shape, options } = this;
    return { logic: new MergeLogic(ctx, shape.inlets, shape.out, options.eagerComplete ?? false), mat: undefined };
  }
}
