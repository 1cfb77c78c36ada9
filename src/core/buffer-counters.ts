import type { BufferStats } from './materializer';

/**
 * The `BufferStats` of a buffering stage, read from the stage when observed: `held()` and `running()` count the
 * elements it holds and processes now, `demand` is what is left of `capacity` (0 once `open()` is false), and
 * `peak` is the highest `buffered + inFlight` seen by `sample()`, which the stage calls after taking something in.
 * `capacity` may be a function for a stage whose capacity changes (e.g. a hub's, per attached producer).
 *
 * @example
 * readonly counters = new BufferCounters(size, () => this.buffer.size, undefined, () => !this.isStopped);
 * override stats() { return this.counters; }
 * // after buffering an element:
 * this.counters.sample();
 */
export class BufferCounters implements BufferStats {
  private _peak = 0;

  constructor(
    private readonly limit: number | (() => number),
    private readonly held: () => number,
    private readonly running: () => number = () => 0,
    private readonly open: () => boolean = () => true,
  ) {}

  get capacity(): number {
    return typeof this.limit === 'number' ? this.limit : this.limit();
  }
  get buffered(): number {
    return this.held();
  }
  get inFlight(): number {
    return this.running();
  }
  get peak(): number {
    return this._peak;
  }
  get demand(): number {
    return this.open() ? Math.max(0, this.capacity - this.held() - this.running()) : 0;
  }

  /** Records the current `buffered + inFlight` if it is a new peak. */
  sample(): void {
    const now = this.held() + this.running();
    if (now > this._peak) this._peak = now;
  }
}
