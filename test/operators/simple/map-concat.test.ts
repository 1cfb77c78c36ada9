import { Attributes, OverflowStrategy, Sink, Source, StageFailure, Supervision } from 'tributary';
import { Boom, harness } from './probe-harness';

const words = (s: string): string[] => (s === '' ? [] : s.split(' '));

/** An iterable whose iterator records how far it was read and whether it was closed. */
function tracked(values: number[], throwAt?: number) {
  const state = { read: 0, closed: false };
  function* gen() {
    try {
      for (const v of values) {
        if (v === throwAt) throw new Boom(`at ${v}`);
        state.read++;
        yield v;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, iterable: { [Symbol.iterator]: gen } };
}

describe('mapConcat', () => {
  it('emits the elements of each iterable in order, skipping empty ones', async () => {
    expect(await Source.from(['a b', '', 'c']).mapConcat(words).runWith(Sink.seq())).toEqual(['a', 'b', 'c']);
  });

  it('backpressures upstream until the current iterable is exhausted', () => {
    const { src, sink } = harness<string, string>((s) => s.mapConcat(words));
    sink.request(1);
    src.sendNext('a b c');
    sink.expectNext('a');
    src.expectNoRequest();
    sink.request(1).expectNext('b');
    src.expectNoRequest();
    sink.request(1).expectNext('c');
    // 'c' was the last one (read ahead), but there is no demand now
    src.expectNoRequest();
    sink.request(1);
    src.expectRequest();
  });

  it('reads the iterable lazily, one element ahead of demand', () => {
    let produced = 0;
    function* naturals() {
      for (let i = 0; ; i++) {
        produced++;
        yield i;
      }
    }
    const { src, sink } = harness<number, number>((s) => s.mapConcat(() => naturals()));
    sink.request(2);
    src.sendNext(0);
    sink.expectNext(0, 1);
    expect(produced).toBe(3);
    sink.request(2).expectNext(2, 3);
    expect(produced).toBe(5);
  });

  it('completes only after the pending elements are out, right after the last one', () => {
    const { src, sink } = harness<string, string>((s) => s.mapConcat(words));
    sink.request(1);
    src.sendNext('a b').sendComplete();
    sink.expectNext('a').expectNoMessage();
    sink.request(1).expectNext('b').expectComplete();
  });

  it('completes at once when upstream completes with nothing pending', () => {
    const { src, sink, stops } = harness<string, string>((s) => s.mapConcat(words));
    src.sendComplete();
    sink.expectComplete();
    expect(stops('mapConcat')).toBe(1);
  });

  it('fails at once on upstream failure, dropping and closing the pending iterable', () => {
    const t = tracked([1, 2, 3]);
    const { src, sink, stops } = harness<number, number>((s) => s.mapConcat(() => t.iterable));
    sink.request(1);
    src.sendNext(0);
    sink.expectNext(1);
    const boom = new Boom('upstream');
    src.sendError(boom);
    expect(sink.expectFailure()).toBe(boom);
    expect(t.state.closed).toBe(true);
    expect(stops('mapConcat')).toBe(1);
  });

  it('fails with a StageFailure when f throws', () => {
    const { src, sink } = harness<number, number>((s) => s.mapConcat(() => { throw new Boom('f'); }));
    sink.request(1);
    src.sendNext(1);
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'mapConcat' });
    expect(src.expectCancellation()).toBe(failure);
  });

  it('fails when f returns something that is not iterable', async () => {
    const p = Source.single(1).mapConcat(() => 5 as never).runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'mapConcat', cause: expect.any(TypeError) });
  });

  it('emits the elements before an iterator error, then fails', () => {
    const t = tracked([1, 2, 3], 3);
    const { src, sink } = harness<number, number>((s) => s.mapConcat(() => t.iterable));
    sink.request(5);
    src.sendNext(0);
    sink.expectNext(1, 2);
    expect(sink.expectError()).toMatchObject({ message: 'at 3' });
    src.expectCancellation();
  });

  it('fails on an iterator error after upstream completed, without cancelling upstream', () => {
    const t = tracked([1, 2, 3], 3);
    const { src, sink, stops } = harness<number, number>((s) => s.mapConcat(() => t.iterable));
    sink.request(1);
    src.sendNext(0).sendComplete();
    sink.expectNext(1);
    sink.request(1).expectNext(2);
    expect(sink.expectFailure()).toMatchObject({ stage: 'mapConcat', cause: expect.any(Boom) });
    src.expectNotCancelled();
    expect(stops('mapConcat')).toBe(1);
  });

  it('resumes past a throwing f and past a throwing iterator (dropping the rest of it)', async () => {
    const out = await Source.from([1, 2, 3, 4])
      .mapConcat(
        (x) => {
          if (x === 2) throw new Boom('f');
          return x === 3 ? tracked([30, 31, 32], 31).iterable : [x * 10];
        },
        { supervision: Supervision.resumingDecider },
      )
      .runWith(Sink.seq());
    expect(out).toEqual([10, 30, 40]);
  });

  it('resumes after an iterator error once upstream completed, then completes', () => {
    const { src, sink } = harness<number, number>((s) =>
      s.mapConcat(() => tracked([1, 2, 3], 2).iterable).withAttributes(Attributes.supervision(Supervision.resumingDecider)),
    );
    sink.request(5);
    src.sendNext(0).sendComplete();
    sink.expectNext(1).expectComplete();
  });

  it('restart via attributes drops the element and goes on', async () => {
    const out = await Source.from(['a', 'boom', 'b c'])
      .mapConcat((s) => { if (s === 'boom') throw new Boom(s); return words(s); })
      .withAttributes(Attributes.supervision(Supervision.restartingDecider))
      .runWith(Sink.seq());
    expect(out).toEqual(['a', 'b', 'c']);
  });

  it('cancellation closes the pending iterable and cancels upstream once', () => {
    const t = tracked([1, 2, 3]);
    const { src, sink, stops } = harness<number, number>((s) => s.mapConcat(() => t.iterable));
    sink.request(1);
    src.sendNext(0);
    sink.expectNext(1);
    sink.cancel();
    src.expectCancellation();
    expect(t.state.closed).toBe(true);
    expect(t.state.read).toBe(2);
    expect(stops('mapConcat')).toBe(1);
  });

  it('cancellation after upstream completed closes the iterable and stops once', () => {
    const t = tracked([1, 2, 3]);
    const { src, sink, stops } = harness<number, number>((s) => s.mapConcat(() => t.iterable));
    sink.request(1);
    src.sendNext(0).sendComplete();
    sink.expectNext(1);
    sink.cancel();
    sink.expectNoMessage();
    expect(t.state.closed).toBe(true);
    src.expectNotCancelled();
    expect(stops('mapConcat')).toBe(1);
  });

  it('works with take downstream on an infinite iterable', async () => {
    function* ones() { for (;;) yield 1; }
    expect(await Source.single(0).mapConcat(() => ones()).take(3).runWith(Sink.seq())).toEqual([1, 1, 1]);
  });

  it('keeps order and count between an asynchronous upstream and a re-entrant buffered downstream', async () => {
    const out = await Source.range(1, 300)
      .mapAsync(4, (x) => Promise.resolve(x))
      .mapConcat((x) => [x, -x])
      .buffer(4, OverflowStrategy.backpressure)
      .async(2)
      .scan(0, (n) => n + 1)
      .runWith(Sink.last());
    expect(out).toBe(600);
    const pairs = await Source.range(1, 50).mapAsync(2, (x) => Promise.resolve(x)).mapConcat((x) => [x, -x]).runWith(Sink.seq());
    expect(pairs).toEqual(Array.from({ length: 50 }, (_, i) => [i + 1, -(i + 1)]).flat());
  });

  it('validates f', () => {
    expect(() => Source.from([1]).mapConcat(null as never)).toThrow(/mapConcat: f must be a function, got null/);
  });
});
