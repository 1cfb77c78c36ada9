/**
 * Publishes every buffering stage's `BufferStats` as gauges: a `StageObserver` that keeps the live stages and
 * samples them on an unref'd timer. Stages with the same graph path (sub-streams materialize the same blueprint
 * again) are summed, so the number of tag values stays that of the graph, not of the sub-streams.
 */
import type { StageInfo, StageObserver } from 'tributary';

/** One sample of a graph path. */
export interface StageSample {
  readonly name: string;
  readonly path: string;
  readonly buffered: number;
  readonly inFlight: number;
  readonly capacity: number;
}

export class StageGauges implements StageObserver {
  private readonly live = new Map<string, Set<StageInfo>>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly publish: (sample: StageSample) => void,
    private readonly intervalMs: number,
  ) {}

  stageStarted(stage: StageInfo): void {
    if (stage.stats === undefined || this.closed) return;
    let stages = this.live.get(stage.path);
    if (stages === undefined) this.live.set(stage.path, (stages = new Set()));
    stages.add(stage);
    this.timer ??= setInterval(() => this.safely(), this.intervalMs).unref();
  }

  stageStopped(stage: StageInfo): void {
    const stages = this.live.get(stage.path);
    if (stages === undefined || !stages.delete(stage) || stages.size > 0) return;
    this.live.delete(stage.path);
    if (this.live.size === 0) this.stopTimer();
    this.safely({ name: stage.name, path: stage.path, buffered: 0, inFlight: 0, capacity: 0 });
  }

  /** Publishes the current values of every live path. */
  sample(): void {
    for (const [path, stages] of this.live) {
      let buffered = 0;
      let inFlight = 0;
      let capacity = 0;
      let name = '';
      for (const { stats, name: stageName } of stages) {
        buffered += stats!.buffered;
        inFlight += stats!.inFlight;
        capacity += stats!.capacity;
        name = stageName;
      }
      this.publish({ name, path, buffered, inFlight, capacity });
    }
  }

  /** Stops sampling for good. */
  close(): void {
    this.closed = true;
    this.stopTimer();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Publishes one sample, or samples every path; metrics never fail the stream, so errors are swallowed. */
  private safely(sample?: StageSample): void {
    try {
      if (sample === undefined) this.sample();
      else this.publish(sample);
    } catch {
      // A failing gauge must not surface as an uncaught exception from a timer.
    }
  }
}
