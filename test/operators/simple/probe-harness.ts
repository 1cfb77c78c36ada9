import { Keep, Materializer, type Source } from 'tributary';
import { TestSink, TestSource, type SinkProbe, type SourceProbe } from 'tributary/testing';

/** A user error thrown in tests. */
export class Boom extends Error {
  override readonly name = 'Boom';
}

export interface Harness<In, Out> {
  readonly src: SourceProbe<In>;
  readonly sink: SinkProbe<Out>;
  /** How many times stages with this name reported that they stopped. */
  stops(stage: string): number;
}

/**
 * Runs `TestSource.probe → ops → TestSink.probe` with a materializer that counts stage stops, so tests can check
 * a stage stopped exactly once.
 */
export function harness<In, Out>(ops: (s: Source<In, SourceProbe<In>>) => Source<Out, SourceProbe<In>>): Harness<In, Out> {
  const stopped = new Map<string, number>();
  const materializer = new Materializer({
    observer: { stageStopped: (s) => void stopped.set(s.name, (stopped.get(s.name) ?? 0) + 1) },
  });
  const [src, sink] = ops(TestSource.probe<In>()).toMat(TestSink.probe<Out>(), Keep.both).run(materializer);
  return { src, sink, stops: (stage) => stopped.get(stage) ?? 0 };
}
