import fc from 'fast-check';
import { Materializer, type BufferStats, type StageInfo } from 'tributary';
import type { SinkProbe, SourceProbe } from 'tributary/testing';

/** Runs per property: enough to find ordering and accounting bugs, small enough to keep the suite fast. */
export const RUNS = { numRuns: 60 };

/** A test step: the source offers its next element, or the sink requests `n` more. */
export type Step = { readonly kind: 'send' } | { readonly kind: 'request'; readonly n: number };

/** Random interleavings of sends and requests (a random demand pattern). */
export const steps = (maxLength = 60): fc.Arbitrary<Step[]> =>
  fc.array(
    fc.oneof(
      fc.constant<Step>({ kind: 'send' }),
      fc.integer({ min: 1, max: 5 }).map<Step>((n) => ({ kind: 'request', n })),
    ),
    { maxLength },
  );

/**
 * Plays `plan` against a probe-driven stream: elements 0, 1, 2… are sent in order; afterwards the source completes
 * and the sink requests enough to drain. `afterStep` runs after every step (for invariants). Returns what was sent.
 */
export function play(
  plan: readonly Step[],
  src: SourceProbe<number>,
  sink: SinkProbe<unknown>,
  afterStep: (sent: number) => void = () => {},
): number[] {
  const sent: number[] = [];
  for (const step of plan) {
    if (step.kind === 'send') {
      sent.push(sent.length);
      src.sendNext(sent.length - 1);
    } else {
      sink.request(step.n);
    }
    afterStep(sent.length);
  }
  src.sendComplete();
  sink.request(sent.length + 2);
  afterStep(sent.length);
  return sent;
}

/** A materializer whose observer collects every buffering stage, to check `peak <= capacity` afterwards. */
export function watchedMaterializer(settings: { scheduler?: Materializer['scheduler'] } = {}): {
  materializer: Materializer;
  stages: StageInfo[];
  overCapacity(): string[];
} {
  const stages: StageInfo[] = [];
  const materializer = new Materializer({ ...settings, observer: { stageStarted: (s) => void (s.stats && stages.push(s)) } });
  return {
    materializer,
    stages,
    overCapacity: () =>
      stages
        .filter((s) => (s.stats as BufferStats).peak > (s.stats as BufferStats).capacity)
        .map((s) => `${s.path}: peak ${s.stats!.peak} > capacity ${s.stats!.capacity}`),
  };
}

/** Splits `xs` into chunks of `size` (the last may be shorter). */
export function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
