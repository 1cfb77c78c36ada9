import type { StageContext } from '../../core/blueprint';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { UniformFanInShape } from '../../stage/shape';
import type { MergeJunctionOptions } from './merge';
import { MergeLogic } from './merge-logic';
import { booleanOption } from './options';

/**
 * Picks among the waiting inputs by smooth weighted round-robin: each waiting input gains its priority in credit,
 * the richest goes and pays the waiting inputs' total. While all inputs keep an element waiting, input `i` gets
 * `priority[i] / Σ priorities` of the output, spread evenly (deterministic, unlike Akka's random pick).
 */
class MergePrioritizedLogic<T> extends MergeLogic<T> {
  private readonly ready: boolean[];
  private readonly credit: number[];

  constructor(ctx: StageContext, shape: UniformFanInShape<T, T>, private readonly priorities: readonly number[], eager: boolean) {
    super(ctx, shape.inlets, shape.out, eager);
    this.ready = priorities.map(() => false);
    this.credit = priorities.map(() => 0);
  }

  protected override markWaiting(i: number): void {
    this.ready[i] = true;
  }

  protected override nextWaiting(): number {
    let best = -1;
    let total = 0;
    for (let i = 0; i < this.priorities.length; i++) {
      if (!this.ready[i]) continue;
      total += this.priorities[i]!;
      this.credit[i]! += this.priorities[i]!;
      if (best < 0 || this.credit[i]! > this.credit[best]!) best = i;
    }
    this.credit[best]! -= total;
    this.ready[best] = false;
    return best;
  }
}

/**
 * Merges inputs with priorities: when several inputs have an element waiting, each is chosen in proportion to its
 * priority (input `i` gets `priorities[i] / Σ priorities` of the output while all are busy); an input alone is
 * taken whenever it has an element. Holds at most one element per input.
 * - Emits when: an input has an element and the output has demand (weighted by priority when several do).
 * - Backpressures when: downstream backpressures.
 * - Completes when: all inputs completed, or with `eagerComplete` when any input completed (the others are then
 *   cancelled; elements already received are still emitted). Fails when: any input fails.
 * - Cancels when: downstream cancels.
 *
 * @example
 * const merge = b.add(MergePrioritized.create<Job>([3, 1])); // 3 urgent jobs for each normal one while both are busy
 * b.from(urgent).to(merge.in(0)); b.from(normal).to(merge.in(1)); b.from(merge.out).to(worker);
 */
export class MergePrioritized<T> extends GraphStage<UniformFanInShape<T, T>> {
  readonly shape: UniformFanInShape<T, T>;
  override get name(): string {
    return 'mergePrioritized';
  }

  private constructor(
    private readonly priorities: readonly number[],
    private readonly eagerComplete: boolean,
  ) {
    super();
    this.shape = UniformFanInShape.create<T, T>('mergePrioritized', priorities.length);
  }

  /** A merge of `priorities.length` inputs; `priorities[i]` (a positive integer) weighs input `i`. */
  static create<T>(priorities: readonly number[], options: MergeJunctionOptions = {}): MergePrioritized<T> {
    if (!Array.isArray(priorities) || priorities.length === 0) {
      throw new RangeError(`MergePrioritized: priorities must be a non-empty array of positive integers, got ${describe(priorities)}`);
    }
    priorities.forEach((p, i) => {
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 1) {
        throw new RangeError(`MergePrioritized: priorities[${i}] must be a positive integer, got ${String(p)}`);
      }
    });
    return new MergePrioritized<T>([...priorities], booleanOption('MergePrioritized', options, 'eagerComplete'));
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: new MergePrioritizedLogic(ctx, this.shape, this.priorities, this.eagerComplete), mat: undefined };
  }
}

function describe(x: unknown): string {
  return Array.isArray(x) ? '[]' : x === null ? 'null' : typeof x;
}
