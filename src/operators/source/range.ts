import { atom, type Blueprint, type StageContext } from '../../core/blueprint';
import { FusedSource } from '../../stage/fused-source';

class RangeSource extends FusedSource<number> {
  private next: number;
  constructor(
    ctx: StageContext,
    start: number,
    private readonly end: number,
    private readonly step: number,
  ) {
    super(ctx);
    this.next = start;
  }
  protected produce(): void {
    const n = this.next;
    if (this.step > 0 ? n > this.end : n < this.end) return this.complete();
    this.next = n + this.step;
    this.emit(n);
  }
}

/** @internal `Source.range(start, end, step)`: inclusive of `end`. */
export function range(start: number, end: number, step: number): Blueprint {
  for (const [field, v] of [['start', start], ['end', end], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`Source.range: ${field} must be a finite number, got ${String(v)}`);
    }
  }
  if (step === 0) throw new RangeError('Source.range: step must not be 0');
  return atom('range', (ctx) => ({ out: new RangeSource(ctx, start, end, step), mat: undefined }));
}
