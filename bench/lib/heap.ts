/** `global.gc` (present only under `node --expose-gc`). */
export function forceGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('heap measurements need node --expose-gc');
  gc();
}

/** Live heap in bytes: `heapUsed` right after a full GC. */
export function liveHeapBytes(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}

/** Live heap samples taken by a harness timer (never by the engine) every `intervalMs` while a run is going. */
export class HeapSampler {
  readonly baselineBytes = liveHeapBytes();
  private peak = this.baselineBytes;
  private samples = 1;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    this.peak = Math.max(this.peak, liveHeapBytes());
    this.samples++;
  }

  /** Stops sampling (after one last sample) and returns the figures in MB. */
  stop(): { baselineMB: number; peakMB: number; samples: number } {
    clearInterval(this.timer);
    this.sample();
    return { baselineMB: this.baselineBytes / 2 ** 20, peakMB: this.peak / 2 ** 20, samples: this.samples };
  }
}
