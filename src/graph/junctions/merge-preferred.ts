import type { StageContext } from '../../core/blueprint';
import { requirePositiveInt } from '../../core/validate';
import { GraphStage, GraphStageLogic } from '../../stage/graph-stage';
import { Inlet, Outlet, UniformFanInShape } from '../../stage/shape';
import type { MergeJunctionOptions } from './merge';
import { MergeLogic } from './merge-logic';
import { booleanOption } from './options';

/** The shape of `MergePreferred`: `secondaryPorts` inlets `in(i)`, one `preferred` inlet (the last of `inlets`), one `out`. */
export class MergePreferredShape<T> extends UniformFanInShape<T, T> {
  constructor(
    out: Outlet<T>,
    secondary: readonly Inlet<T>[],
    readonly preferred: Inlet<T>,
  ) {
    super(out, [...secondary, preferred]);
  }
  /** The number of secondary inlets. */
  get secondaryPorts(): number {
    return this.inlets.length - 1;
  }
  /** The `i`-th secondary inlet (the preferred one is `preferred`). */
  override in(i: number): Inlet<T> {
    const n = this.secondaryPorts;
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(`no secondary inlet ${i}: the shape has ${n} (0..${n - 1}); the preferred inlet is 'preferred'`);
    }
    return this.inlets[i]!;
  }
  override deepCopy(): MergePreferredShape<T> {
    const fresh = (p: Inlet<T>): Inlet<T> => new Inlet<T>(p.name);
    return new MergePreferredShape(new Outlet<T>(this.out.name), this.inlets.slice(0, -1).map(fresh), fresh(this.preferred));
  }
}

/** Emits from the preferred input whenever it has an element waiting; otherwise like `MergeLogic`. */
class MergePreferredLogic<T> extends MergeLogic<T> {
  private preferredWaiting = false;
  private readonly preferredIndex = this.inputs.length - 1;
  protected override markWaiting(i: number): void {
    if (i === this.preferredIndex) this.preferredWaiting = true;
    else super.markWaiting(i);
  }
  protected override nextWaiting(): number {
    if (!this.preferredWaiting) return super.nextWaiting();
    this.preferredWaiting = false;
    return this.preferredIndex;
  }
}

/**
 * Merges one `preferred` input and `secondaryPorts` secondary inputs: whenever the preferred input has an element
 * waiting it goes first, so a busy preferred input can hold the secondaries back; the secondaries take turns.
 * Holds at most one element per input.
 * - Emits when: an input has an element and the output has demand (the preferred input first).
 * - Backpressures when: downstream backpressures.
 * - Completes when: all inputs completed, or with `eagerComplete` when any input completed (the others are then
 *   cancelled; elements already received are still emitted). Fails when: any input fails.
 * - Cancels when: downstream cancels.
 *
 * @example
 * const merge = b.add(MergePreferred.create<Msg>(1));
 * b.from(retries).to(merge.preferred); b.from(fresh).to(merge.in(0)); b.from(merge.out).to(sink);
 */
export class MergePreferred<T> extends GraphStage<MergePreferredShape<T>> {
  readonly shape: MergePreferredShape<T>;
  override get name(): string {
    return 'mergePreferred';
  }

  private constructor(
    secondaryPorts: number,
    private readonly eagerComplete: boolean,
  ) {
    super();
    this.shape = new MergePreferredShape<T>(
      new Outlet<T>('mergePreferred.out'),
      Array.from({ length: secondaryPorts }, (_, i) => new Inlet<T>(`mergePreferred.in${i}`)),
      new Inlet<T>('mergePreferred.preferred'),
    );
  }

  /** A merge of a preferred input and `secondaryPorts` (≥ 1) secondary inputs. */
  static create<T>(secondaryPorts: number, options: MergeJunctionOptions = {}): MergePreferred<T> {
    requirePositiveInt('MergePreferred', 'secondaryPorts', secondaryPorts);
    return new MergePreferred<T>(secondaryPorts, booleanOption('MergePreferred', options, 'eagerComplete'));
  }

  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: new MergePreferredLogic(ctx, this.shape.inlets, this.shape.out, this.eagerComplete), mat: undefined };
  }
}
