import { Attributes, Keep, Sink, Source, StageFailure, Supervision, rootCause } from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';

describe('map', () => {
  it('emits f(x) per element and completes with upstream', () => {
    const [src, sink] = TestSource.probe<number>().map((x) => x * 10).toMat(TestSink.probe<number>(), Keep.both).run();
    sink.request(2);
    src.sendNext(1).sendNext(2).sendComplete();
    sink.expectNext(10, 20).expectComplete();
  });

  it('backpressures when downstream does', () => {
    const [src, sink] = TestSource.probe<number>().map((x) => x).toMat(TestSink.probe<number>(), Keep.both).run();
    src.expectNoRequest();
    sink.request(1);
    src.expectRequest().sendNext(1);
    src.expectNoRequest();
    sink.expectNext(1);
  });

  it('fails with a StageFailure naming the stage, cancels upstream', () => {
    const boom = new Error('boom');
    const [src, sink] = TestSource.probe<number>()
      .map(() => {
        throw boom;
      })
      .named('parse')
      .toMat(TestSink.probe<number>(), Keep.both)
      .run();
    sink.request(1);
    src.sendNext(1);
    const failure = sink.expectFailure() as StageFailure;
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure.stage).toBe('map');
    expect(failure.path).toBe('parse/map#1');
    expect(failure.cause).toBe(boom);
    expect(rootCause(src.expectCancellation())).toBe(boom);
  });

  it('resumes past bad elements with the resuming decider (option form)', async () => {
    const out = await Source.from(['1', 'x', '3'])
      .map(
        (s) => {
          const n = Number(s);
          if (Number.isNaN(n)) throw new SyntaxError(s);
          return n;
        },
        { supervision: Supervision.resumingDecider },
      )
      .runWith(Sink.seq());
    expect(out).toEqual([1, 3]);
  });

  it('takes the decider from attributes on an enclosing blueprint; the inner one wins', async () => {
    const decided: unknown[] = [];
    const flaky = Source.from([1, 2, 3]).map((x) => {
      if (x === 2) throw new RangeError('two');
      return x;
    });
    const resumed = flaky.withAttributes(
      Attributes.supervision((e) => {
        decided.push(e);
        return 'resume';
      }),
    );
    expect(await resumed.runWith(Sink.seq())).toEqual([1, 3]);
    expect(decided).toEqual([new RangeError('two')]);
    const stopped = flaky
      .withAttributes(Attributes.supervision(Supervision.stoppingDecider))
      .withAttributes(Attributes.supervision(Supervision.resumingDecider));
    await expect(stopped.runWith(Sink.seq())).rejects.toBeInstanceOf(StageFailure);
  });
});

describe('filter / filterNot', () => {
  it('drops elements without consuming downstream demand', () => {
    const [src, sink] = TestSource.probe<number>().filter((x) => x % 2 === 0).toMat(TestSink.probe<number>(), Keep.both).run();
    sink.request(1);
    src.sendNext(1).sendNext(3).sendNext(4);
    sink.expectNext(4);
    src.sendNext(5).expectNoRequest();
    expect(src.pending).toBe(1);
    sink.request(1);
    expect(src.pending).toBe(0);
    src.expectRequest();
    sink.expectNoMessage();
  });
  it('filterNot inverts and narrows with type guards on filter', async () => {
    const isString = (x: string | number): x is string => typeof x === 'string';
    const strings: string[] = await Source.from<string | number>([1, 'a', 2, 'b']).filter(isString).runWith(Sink.seq());
    expect(strings).toEqual(['a', 'b']);
    expect(await Source.range(1, 5).filterNot((x) => x === 3).runWith(Sink.seq())).toEqual([1, 2, 4, 5]);
  });
  it('a throwing predicate fails the stream unless supervised', async () => {
    const p = (x: number) => {
      if (x === 2) throw new Error('bad');
      return true;
    };
    await expect(Source.range(1, 3).filter(p).runWith(Sink.seq())).rejects.toMatchObject({ stage: 'filter' });
    expect(await Source.range(1, 3).filter(p, { supervision: Supervision.resumingDecider }).runWith(Sink.seq())).toEqual([1, 3]);
  });
});

describe('argument validation', () => {
  it('names operator, field and value', () => {
    expect(() => Source.range(1, 3).grouped(0)).toThrow('grouped: size must be a positive integer, got 0');
    expect(() => Source.range(1, 3).take(-1)).toThrow('take: n must be a non-negative integer, got -1');
    expect(() => Source.range(1, 3).mapAsync(0, async (x) => x)).toThrow('mapAsync: parallelism must be a positive integer, got 0');
    expect(() => Source.range(1, 3).map(undefined as never)).toThrow('map: f must be a function, got undefined');
    expect(() => Source.range(1, 3).buffer(4, 'sometimes' as never)).toThrow(/overflow must be one of backpressure/);
    expect(() => Source.range(1, Number.NaN)).toThrow('Source.range: end must be a finite number, got NaN');
  });
});
