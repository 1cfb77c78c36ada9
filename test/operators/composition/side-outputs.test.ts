import { Keep, NoMoreElementsNeeded, Sink, Source, StageFailure } from 'tributary';
import { TestSink, TestSource, type SinkProbe } from 'tributary/testing';

/** A probe sink that reports its probe to `into` when materialized. */
function probeSink<T>(into: SinkProbe<T>[]): Sink<T, void> {
  return TestSink.probe<T>().mapMaterializedValue((p) => void into.push(p));
}

function run(kind: 'alsoTo' | 'wireTap' | 'divertTo', predicate: (x: number) => boolean = (x) => x < 0) {
  const sides: SinkProbe<number>[] = [];
  const side = probeSink<number>(sides);
  const src = TestSource.probe<number>();
  const flow = kind === 'alsoTo' ? src.alsoTo(side) : kind === 'wireTap' ? src.wireTap(side) : src.divertTo(side, predicate);
  const [up, main] = flow.toMat(TestSink.probe<number>(), Keep.both).run();
  return { up, main, side: sides[0]! };
}

describe('alsoTo', () => {
  it('sends every element to both', async () => {
    const seen: number[] = [];
    expect(await Source.range(1, 5).alsoTo(Sink.forEach((x: number) => seen.push(x))).runWith(Sink.seq())).toEqual([1, 2, 3, 4, 5]);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('the slower output sets the pace, holding at most one element', () => {
    const { up, main, side } = run('alsoTo');
    main.request(10);
    up.expectRequest().sendNext(1).sendNext(2).sendNext(3);
    main.expectNext(1).expectNoMessage(); // 1 waits for the side
    expect(up.pending).toBe(2);
    up.expectNoRequest();
    side.request(1).expectNext(1);
    main.expectNext(2);
    side.request(2).expectNext(2, 3);
    main.expectNext(3);
  });

  it('a slow main output holds the side back', () => {
    const { up, main, side } = run('alsoTo');
    side.request(5);
    main.request(1);
    up.sendNext(1).sendNext(2);
    main.expectNext(1);
    side.expectNext(1).expectNoMessage();
    up.expectNoRequest();
    main.request(1).expectNext(2);
    side.expectNext(2);
  });

  it('completes both when upstream completes, after the side got the last element', () => {
    const { up, main, side } = run('alsoTo');
    main.request(1);
    up.sendNext(1).sendComplete();
    main.expectNext(1).expectNoMessage();
    side.request(1).expectNext(1).expectComplete();
    main.expectComplete();
  });

  it('downstream cancel cancels upstream and completes the side sink', () => {
    const { up, main, side } = run('alsoTo');
    main.cancel();
    up.expectCancellation();
    side.expectComplete();
  });

  it('a side sink that cancels normally is dropped; the main stream goes on', () => {
    const { up, main, side } = run('alsoTo');
    side.cancel();
    main.request(2);
    up.sendNext(1).sendNext(2);
    main.expectNext(1, 2);
    up.expectNotCancelled();
  });

  it('a failing side sink fails the stream (StageFailure of the side stage) and cancels upstream', async () => {
    const [up, done] = TestSource.probe<number>()
      .alsoTo(Sink.forEach<number>(() => {
        throw new Error('audit down');
      }))
      .toMat(Sink.ignore(), Keep.both)
      .run();
    up.sendNext(1);
    const failure = (await done.catch((e: unknown) => e)) as StageFailure;
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure.stage).toBe('forEach');
    expect((failure.cause as Error).message).toBe('audit down');
    expect(up.expectCancellation()).toBeInstanceOf(StageFailure);
  });

  it('passes an upstream failure to both', () => {
    const { up, main, side } = run('alsoTo');
    const boom = new Error('up');
    up.sendError(boom);
    expect(main.expectError()).toBe(boom);
    expect(side.expectError()).toBe(boom);
  });

  it('validates its argument', () => {
    expect(() => Source.single(1).alsoTo(undefined as never)).toThrow(/alsoTo: sink must be a Sink, got undefined/);
  });
});

describe('wireTap', () => {
  it('gives the side only the elements it has demand for, never slowing the main stream', () => {
    const { up, main, side } = run('wireTap');
    main.request(5);
    side.request(1);
    up.sendNext(1).sendNext(2).sendNext(3);
    main.expectNext(1, 2, 3);
    side.expectNext(1).expectNoMessage();
    side.request(1);
    up.sendNext(4);
    main.expectNext(4);
    side.expectNext(4);
  });

  it('backpressures only by downstream demand', () => {
    const { up, main } = run('wireTap');
    up.expectNoRequest();
    main.request(1);
    up.expectRequest().sendNext(1);
    up.expectNoRequest();
  });

  it('ignores a failing or cancelled side sink', async () => {
    const out = await Source.range(1, 4)
      .wireTap(Sink.forEach<number>(() => {
        throw new Error('metrics down');
      }))
      .runWith(Sink.seq());
    expect(out).toEqual([1, 2, 3, 4]);
    const { up, main, side } = run('wireTap');
    side.cancel();
    main.request(1);
    up.sendNext(1);
    main.expectNext(1);
  });

  it('completes the side with the stream and cancels upstream on downstream cancel', () => {
    const { up, main, side } = run('wireTap');
    main.cancel();
    up.expectCancellation();
    side.expectComplete();
  });
});

describe('divertTo', () => {
  it('sends matching elements only to the side sink', async () => {
    const diverted: number[] = [];
    const out = await Source.from([1, -1, 2, -2, 3])
      .divertTo(Sink.forEach((x: number) => diverted.push(x)), (x) => x < 0)
      .runWith(Sink.seq());
    expect(out).toEqual([1, 2, 3]);
    expect(diverted).toEqual([-1, -2]);
  });

  it('is backpressured by the output the element goes to', () => {
    const { up, main, side } = run('divertTo');
    main.request(5);
    up.sendNext(-1).sendNext(1);
    main.expectNoMessage(); // -1 waits for the side, 1 waits behind it
    expect(up.pending).toBe(1);
    side.request(1).expectNext(-1);
    main.expectNext(1);
  });

  it('pulls upstream for the side even when main has no demand', () => {
    const { up, main, side } = run('divertTo');
    side.request(1);
    up.expectRequest().sendNext(-5);
    side.expectNext(-5);
    main.expectNoMessage();
  });

  it('fails with a StageFailure naming divertTo when the predicate throws', () => {
    const { up, main, side } = run('divertTo', () => {
      throw new Error('pred');
    });
    main.request(1);
    up.sendNext(1);
    const failure = main.expectFailure() as StageFailure;
    expect(failure.stage).toBe('divertTo');
    expect(rootMessage(failure)).toBe('pred');
    expect(up.expectCancellation()).toBe(failure);
    expect(side.expectFailure()).toBe(failure);
  });

  it('side sink cancel completes the stream and cancels upstream (eager cancel)', () => {
    const { up, main, side } = run('divertTo');
    side.cancel();
    main.expectComplete();
    expect(up.expectCancellation()).toBeInstanceOf(NoMoreElementsNeeded);
  });

  it('a failing side sink fails the stream', async () => {
    const p = Source.from([1, -1, 2])
      .divertTo(Sink.forEach<number>(() => {
        throw new Error('dlq down');
      }), (x) => x < 0)
      .runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'forEach', cause: new Error('dlq down') });
  });

  it('validates its arguments', () => {
    expect(() => Source.single(1).divertTo(Sink.ignore(), undefined as never)).toThrow(/divertTo: predicate must be a function/);
    expect(() => Source.single(1).divertTo(undefined as never, () => true)).toThrow(/divertTo: sink must be a Sink/);
  });
});

function rootMessage(e: StageFailure): string {
  return (e.cause as Error).message;
}
