import { Attributes, Sink, Source, StageFailure, Supervision } from 'tributary';
import { Boom, harness } from './probe-harness';

const parse = (s: string): number | undefined => (/^\d+$/.test(s) ? Number(s) : undefined);

describe('collect', () => {
  it('emits the defined results and drops undefined ones', async () => {
    expect(await Source.from(['1', 'x', '3']).collect(parse).runWith(Sink.seq())).toEqual([1, 3]);
  });

  it('keeps falsy results that are not undefined', async () => {
    expect(await Source.from([0, 1, 2]).collect((x) => (x === 1 ? undefined : x === 0 ? null : '')).runWith(Sink.seq())).toEqual([
      null,
      '',
    ]);
  });

  it('backpressures when downstream does, and keeps demand after a dropped element', () => {
    const { src, sink } = harness<string, number>((s) => s.collect(parse));
    src.expectNoRequest();
    sink.request(1);
    src.expectRequest().sendNext('x');
    sink.expectNoMessage();
    src.expectRequest().sendNext('7');
    sink.expectNext(7);
    src.expectNoRequest();
  });

  it('completes when upstream completes', () => {
    const { src, sink } = harness<string, number>((s) => s.collect(parse));
    sink.request(1);
    src.sendComplete();
    sink.expectComplete();
  });

  it('passes an upstream failure on unchanged', () => {
    const { src, sink } = harness<string, number>((s) => s.collect(parse));
    const boom = new Boom('upstream');
    src.sendError(boom);
    expect(sink.expectFailure()).toBe(boom);
  });

  it('fails with a StageFailure naming the stage when f throws, and cancels upstream', () => {
    const boom = new Boom('bad');
    const { src, sink, stops } = harness<number, number>((s) => s.collect(() => { throw boom; }));
    sink.request(1);
    src.sendNext(1);
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'collect', cause: boom });
    expect(src.expectCancellation()).toBe(failure);
    expect(stops('collect')).toBe(1);
  });

  it('resumes with the supervision option', async () => {
    const f = (x: number) => { if (x === 2) throw new Boom('2'); return x * 10; };
    expect(await Source.from([1, 2, 3]).collect(f, { supervision: Supervision.resumingDecider }).runWith(Sink.seq())).toEqual([10, 30]);
  });

  it('applies a decider set with withAttributes (restart drops the element too)', async () => {
    const f = (x: number) => { if (x === 2) throw new Boom('2'); return x * 10; };
    const out = await Source.from([1, 2, 3])
      .collect(f)
      .withAttributes(Attributes.supervision(Supervision.restartingDecider))
      .runWith(Sink.seq());
    expect(out).toEqual([10, 30]);
  });

  it('cancels upstream when downstream cancels and stops once', () => {
    const { src, sink, stops } = harness<string, number>((s) => s.collect(parse));
    sink.request(1);
    sink.cancel();
    src.expectCancellation();
    expect(stops('collect')).toBe(1);
  });

  it('validates f', () => {
    expect(() => Source.from([1]).collect(42 as never)).toThrow(/collect: f must be a function, got number/);
  });
});
