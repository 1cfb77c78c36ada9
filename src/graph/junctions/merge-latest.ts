import type { StageContext } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { UniformFanInShape } from '../../stage/shape';
import type { MergeJunctionOptions } from './merge';
import { MergeLogic } from './merge-logic';
import { booleanOption } from './options';

/** Keeps the latest element of each input; emits nothing until every input has had one. */
class MergeLatestLogic<T> extends MergeLogic<T, T[]> {
  private readonly latest: T[];
  private readonly seen: boolean[];
  private missing: number;

  constructor(ctx: StageContext, shape: UniformFanInShape<T, T[]>, eagerComplete: boolean) {
    super(ctx, shape.inlets, shape.out, eagerComplete);
    this.latest = new Array<T>(shape.inlets.length);
    this.seen = new Array<boolean>(shape.inlets.length).fill(false);
    this.missing = shape.inlets.length;
  }

  protected override admit(i: number): boolean {
    if (!this.seen[i]) {
      this.seen[i] = true;
      this.missing--;
    }
    if (this.missing === 0) return true;
    const inlet = this.inputs[i]!;
    this.latest[i] = this.grab(inlet);
    this.pull(inlet);
    return false;
  }

  protected override output(i: number, element: T): T[] {
    this.latest[i] = element;
    return this.latest.slice();
  }
}

/**
 * Emits, for every element of any input, an array of the latest element of each input (index `i` = input `i`),
 * once every input has emitted at least one: until then, a newer element of an input replaces the older one
 * without an emission. Each emitted array is a fresh copy. Holds at most one element per input.
 * - Emits when: an input has a new element, every input has had one, and the output has demand.
 * - Backpressures when: downstream backpressures (an input waits until its element has been emitted).
 * - Completes when: all inputs completed, or with `eagerComplete` when any input completed (the others are then
 *   cancelled; elements already received are still emitted). Fails when: any input fails.
 * - Cancels when: downstream cancels.
 *
 * @example
 * const latest = b.add(MergeLatest.create<number>(2)); // temperature, humidity → [t, h] on every change
 * b.from(temperature).to(latest.in(0)); b.from(humidity).to(latest.in(1)); b.from(latest.out).to(dashboard);
 */
export class MergeLatest<T> extends GraphStage<UniformFanInShape<T, T[]>> {
  readonly shape: UniformFanInShape<T, T[]>;
  override get name(): string {
    return 'mergeLatest';
  }

  private constructor(
    n: number,
    private readonly eagerComplete: boolean,
  ) {
    super();
    this.shape = UniformFanInShape.create<T, T[]>('mergeLatest', n);
  }

  /** A latest-values merge of `n` inputs. */
  static create<T>(n: number, options: MergeJunctionOptions = {}): MergeLatest<T> {
    requirePositiveInt('MergeLatest', 'n', n);
    return new MergeLatest<T>(n, booleanOption('MergeLatest', options, 'eagerComplete'));
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: new MergeLatestLogic(ctx, this.shape, this.eagerComplete), mat: undefined };
  }
}
