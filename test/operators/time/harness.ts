import { Keep, StageFailure, rootCause, type BufferStats, type Source, type StageInfo } from 'tributary';
import { TestClock, TestSink, TestSource, type SinkProbe, type SourceProbe } from 'tributary/testing';

/** A probe source → operator(s) → probe sink under a virtual clock, recording stage starts and stops. */
export function harness<In, Out>(build: (source: Source<In, SourceProbe<In>>) => Source<Out, SourceProbe<In>>) {
  const clock = new TestClock();
  const started: StageInfo[] = [];
  const stopped: string[] = [];
  const [src, sink] = build(TestSource.probe<In>())
    .toMat(TestSink.probe<Out>(clock), Keep.both)
    .run(
      clock.materializer({
        observer: { stageStarted: (s) => void started.push(s), stageStopped: (s) => void stopped.push(s.name) },
      }),
    );
  return {
    clock,
    src,
    sink: sink as SinkProbe<Out>,
    /** The buffer counters of the stage named `name`. */
    stats(name: string): BufferStats {
      const s = started.find((i) => i.name === name)?.stats;
      if (!s) throw new Error(`no stats for stage ${name}`);
      return s;
    },
    /** How many times the stage named `name` reported it stopped. */
    stops(name: string): number {
      return stopped.filter((n) => n === name).length;
    },
    /** Timers still scheduled on the clock. */
    get timers(): number {
      return clock.actions.length;
    },
  };
}

/** Asserts `error` is a `StageFailure` of stage `stage` and returns its root cause. */
export function failureOf(error: unknown, stage: string): unknown {
  expect(error).toBeInstanceOf(StageFailure);
  expect((error as StageFailure).stage).toBe(stage);
  return rootCause(error);
}
