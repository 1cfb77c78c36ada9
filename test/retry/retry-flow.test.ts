import { Flow, FlowWithContext, Keep, RetryFlow, Sink, Source, StageFailure, rootCause } from 'tributary';
import { TestClock, TestSink, TestSource } from 'tributary/testing';

class Boom extends Error {
  override readonly name = 'Boom';
}

interface Attempt {
  readonly id: string;
  readonly attempt: number;
}

/** A flow that succeeds for an element on its `okAt`-th attempt, recording the virtual time of every attempt. */
function flaky(clock: TestClock, okAt: number) {
  const attempts: [string, number, number][] = [];
  const flow = Flow.create<Attempt>().map((a) => {
    attempts.push([a.id, a.attempt, clock.nowMs]);
    return { id: a.id, ok: a.attempt >= okAt };
  });
  const decide = (input: Attempt, output: { ok: boolean }): Attempt | undefined =>
    output.ok ? undefined : { id: input.id, attempt: input.attempt + 1 };
  return { attempts, flow, decide };
}

function setup(okAt: number, maxRetries = 5) {
  const clock = new TestClock();
  const { attempts, flow, decide } = flaky(clock, okAt);
  const [src, sink] = TestSource.probe<Attempt>()
    .via(RetryFlow.withBackoff(100, 1_000, 0, maxRetries, flow, decide))
    .toMat(TestSink.probe<{ id: string; ok: boolean }>(clock), Keep.both)
    .run(clock.materializer());
  return { clock, attempts, src, sink };
}

describe('RetryFlow.withBackoff', () => {
  it('emits results that need no retry, one element at a time, backpressured by downstream', () => {
    const { src, sink } = setup(0);
    src.expectNoRequest();
    sink.request(1);
    src.sendNext({ id: 'a', attempt: 0 });
    sink.expectNext({ id: 'a', ok: true });
    src.expectNoRequest();
    sink.request(1);
    src.sendNext({ id: 'b', attempt: 0 }).sendComplete();
    sink.expectNext({ id: 'b', ok: true }).expectComplete();
  });

  it('retries with exponential backoff on the scheduler until decideRetry accepts', () => {
    const { clock, attempts, src, sink } = setup(3);
    sink.request(2);
    src.sendNext({ id: 'a', attempt: 0 });
    src.expectNoRequest(); // one element at a time
    sink.expectNoMessage(99);
    clock.advance(1); // first retry at 100
    sink.expectNoMessage(199);
    clock.advance(1); // second at 100 + 200
    sink.expectNoMessage(399);
    clock.advance(1); // third at 300 + 400 succeeds
    sink.expectNext({ id: 'a', ok: true });
    expect(attempts).toEqual([
      ['a', 0, 0],
      ['a', 1, 100],
      ['a', 2, 300],
      ['a', 3, 700],
    ]);
    src.expectRequest(); // the next element starts again from minBackoffMs
    src.sendNext({ id: 'b', attempt: 2 });
    clock.advance(100);
    sink.expectNext({ id: 'b', ok: true });
  });

  it('caps the delay at maxBackoffMs and emits the last output after maxRetries', () => {
    const { clock, attempts, src, sink } = setup(100, 5);
    sink.request(1);
    src.sendNext({ id: 'a', attempt: 0 });
    clock.advance(100 + 200 + 400 + 800 + 1_000);
    sink.expectNext({ id: 'a', ok: false });
    expect(attempts.map(([, , t]) => t)).toEqual([0, 100, 300, 700, 1_500, 2_500]);
  });

  it('completes after the element in retry when upstream completes meanwhile', () => {
    const { clock, src, sink } = setup(1);
    sink.request(1);
    src.sendNext({ id: 'a', attempt: 0 }).sendComplete();
    sink.expectNoMessage(99);
    clock.advance(1);
    sink.expectNext({ id: 'a', ok: true }).expectComplete();
  });

  it('keeps the wrapped flow materialized value', () => {
    const flow = Flow.create<number>().mapMaterializedValue(() => 'inner');
    const [mat, done] = Source.single(1)
      .viaMat(RetryFlow.withBackoff(1, 1, 0, 0, flow, () => undefined), Keep.right)
      .toMat(Sink.seq(), Keep.both)
      .run();
    expect(mat).toBe('inner');
    return expect(done).resolves.toEqual([1]);
  });

  it('fails when the wrapped flow fails, or decideRetry throws (a StageFailure of retryFlow)', async () => {
    const failing = Flow.create<number>().map(() => {
      throw new Boom('inner');
    });
    const e1 = await Source.single(1).via(RetryFlow.withBackoff(1, 1, 0, 1, failing, () => undefined)).runWith(Sink.ignore()).catch((e: unknown) => e);
    expect(rootCause(e1)).toBeInstanceOf(Boom);

    const e2 = await Source.single(1)
      .via(
        RetryFlow.withBackoff(1, 1, 0, 1, Flow.create<number>(), () => {
          throw new Boom('decide');
        }),
      )
      .runWith(Sink.ignore())
      .catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(StageFailure);
    expect((e2 as StageFailure).stage).toBe('retryFlow');
    expect((rootCause(e2) as Error).message).toBe('decide');
  });

  it('fails when the wrapped flow emits more than one element per input', async () => {
    const twice = Flow.create<number>().mapConcat((x) => [x, x]);
    const e = await Source.from([1, 2]).via(RetryFlow.withBackoff(1, 1, 0, 1, twice, () => undefined)).runWith(Sink.seq()).catch((x: unknown) => x);
    expect((rootCause(e) as Error).message).toMatch(/RetryFlow: the wrapped flow emitted an element no input asked for/);
  });

  it('fails when the wrapped flow completes with an element in flight', async () => {
    const swallow = Flow.create<number>().take(1).filter(() => false);
    const e = await Source.from([1, 2]).via(RetryFlow.withBackoff(1, 1, 0, 1, swallow, () => undefined)).runWith(Sink.seq()).catch((x: unknown) => x);
    expect((rootCause(e) as Error).message).toBe('RetryFlow: the wrapped flow completed while an element was in flight');
  });

  it('cancels upstream and drops the pending retry when downstream cancels', () => {
    const { clock, attempts, src, sink } = setup(5);
    sink.request(1);
    src.sendNext({ id: 'a', attempt: 0 });
    sink.cancel();
    src.expectCancellation();
    clock.advance(10_000);
    expect(attempts).toHaveLength(1);
  });

  it('propagates upstream failure', () => {
    const { src, sink } = setup(0);
    sink.request(1);
    src.sendError(new Boom('up'));
    expect(sink.expectError()).toBeInstanceOf(Boom);
  });

  it('validates its arguments', () => {
    const f = Flow.create<number>();
    expect(() => RetryFlow.withBackoff(0, 1, 0, 1, f, () => undefined)).toThrow(
      'RetryFlow.withBackoff: minBackoffMs must be a finite, positive number of milliseconds, got 0',
    );
    expect(() => RetryFlow.withBackoff(10, 5, 0, 1, f, () => undefined)).toThrow('RetryFlow.withBackoff: maxBackoffMs (5) must be >= minBackoffMs (10)');
    expect(() => RetryFlow.withBackoff(1, 1, 0, -1, f, () => undefined)).toThrow('RetryFlow.withBackoff: maxRetries must be a non-negative integer, got -1');
    expect(() => RetryFlow.withBackoff(1, 1, 0, 1, {} as never, () => undefined)).toThrow('RetryFlow.withBackoff: flow must be a Flow, got object');
    expect(() => RetryFlow.withBackoff(1, 1, 0, 1, f, null as never)).toThrow('RetryFlow.withBackoff: decideRetry must be a function, got null');
    expect(() => RetryFlow.withBackoffAndContext(1, 1, 0, 1, f as never, () => undefined)).toThrow(
      'RetryFlow.withBackoffAndContext: flow must be a FlowWithContext, got object',
    );
  });
});

describe('RetryFlow.withBackoffAndContext', () => {
  it('retries [input, context] pairs and emits each result with its context', () => {
    const clock = new TestClock();
    const tries = new Map<string, number>();
    const send = FlowWithContext.create<string, number>().map((msg) => {
      const n = (tries.get(msg) ?? 0) + 1;
      tries.set(msg, n);
      return n < 2 ? 'busy' : `sent ${msg}`;
    });
    const retrying = RetryFlow.withBackoffAndContext(50, 500, 0, 3, send, ([msg, offset], [result]) =>
      result === 'busy' ? [msg, offset] : undefined,
    );
    const [src, sink] = TestSource.probe<string>()
      .asSourceWithContext((m) => m.length)
      .via(retrying)
      .asSource()
      .toMat(TestSink.probe<[string, number]>(clock), Keep.both)
      .run(clock.materializer());
    sink.request(2);
    src.sendNext('x').sendNext('yy');
    sink.expectNoMessage(49);
    clock.advance(1);
    sink.expectNext(['sent x', 1]);
    clock.advance(50);
    sink.expectNext(['sent yy', 2]);
  });
});
