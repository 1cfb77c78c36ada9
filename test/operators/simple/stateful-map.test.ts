import { Attributes, Sink, Source, StageFailure, Supervision } from 'tributary';
import { Boom, harness } from './probe-harness';

/** A running-index statefulMap that records every onComplete call. */
function indexer(log: string[], options: { emitLast?: boolean; failOn?: string } = {}) {
  let created = 0;
  const create = () => ({ id: ++created, n: 0 });
  const f = (s: { id: number; n: number }, x: string): [{ id: number; n: number }, string] => {
    if (x === options.failOn) throw new Boom(x);
    return [{ id: s.id, n: s.n + 1 }, `${s.id}:${x}${s.n}`];
  };
  const onComplete = (s: { id: number; n: number }) => {
    log.push(`complete ${s.id}/${s.n}`);
    return options.emitLast ? `last ${s.id}/${s.n}` : undefined;
  };
  return { create, f, onComplete };
}

describe('statefulMap', () => {
  it('maps with a state and emits the last element from onComplete', async () => {
    const log: string[] = [];
    const { create, f, onComplete } = indexer(log, { emitLast: true });
    expect(await Source.from(['a', 'b']).statefulMap(create, f, onComplete).runWith(Sink.seq())).toEqual(['1:a0', '1:b1', 'last 1/2']);
    expect(log).toEqual(['complete 1/2']);
  });

  it('detects repeats (the documented example)', async () => {
    const out = await Source.from([1, 1, 2])
      .statefulMap(() => undefined as number | undefined, (prev, x) => [x, x === prev], () => undefined)
      .runWith(Sink.seq());
    expect(out).toEqual([false, true, false]);
  });

  it('does not emit undefined elements', async () => {
    const out = await Source.from([1, 2, 3, 4])
      .statefulMap(() => 0, (sum, x) => [sum + x, x % 2 === 0 ? sum + x : undefined])
      .runWith(Sink.seq());
    expect(out).toEqual([3, 10]);
  });

  it('creates a fresh state per materialization', async () => {
    const s = Source.from(['x']).statefulMap(() => ({ n: 0 }), (st, x) => { st.n++; return [st, `${x}${st.n}`]; });
    expect(await s.runWith(Sink.seq())).toEqual(['x1']);
    expect(await s.runWith(Sink.seq())).toEqual(['x1']);
  });

  it('backpressures like map and holds the last element until downstream asks', () => {
    const log: string[] = [];
    const { create, f, onComplete } = indexer(log, { emitLast: true });
    const { src, sink, stops } = harness<string, string>((s) => s.statefulMap(create, f, onComplete));
    src.expectNoRequest();
    sink.request(1);
    src.sendNext('a');
    sink.expectNext('1:a0');
    src.expectNoRequest();
    src.sendComplete();
    sink.expectNoMessage();
    expect(log).toEqual(['complete 1/1']);
    sink.request(1).expectNext('last 1/1').expectComplete();
    expect(stops('statefulMap')).toBe(1);
  });

  it('calls onComplete on upstream failure and ignores its element', () => {
    const log: string[] = [];
    const { create, f, onComplete } = indexer(log, { emitLast: true });
    const { src, sink } = harness<string, string>((s) => s.statefulMap(create, f, onComplete));
    sink.request(5);
    src.sendNext('a');
    const boom = new Boom('up');
    src.sendError(boom);
    sink.expectNext('1:a0');
    expect(sink.expectFailure()).toBe(boom);
    expect(log).toEqual(['complete 1/1']);
  });

  it('calls onComplete once on downstream cancellation and cancels upstream', () => {
    const log: string[] = [];
    const { create, f, onComplete } = indexer(log, { emitLast: true });
    const { src, sink, stops } = harness<string, string>((s) => s.statefulMap(create, f, onComplete));
    sink.request(1);
    src.sendNext('a');
    sink.cancel();
    src.expectCancellation();
    sink.expectNext('1:a0').expectNoMessage();
    expect(log).toEqual(['complete 1/1']);
    expect(stops('statefulMap')).toBe(1);
  });

  it('creates no state when downstream cancels before it starts', async () => {
    const create = jest.fn(() => 0);
    const onComplete = jest.fn(() => undefined);
    await Source.from([1]).statefulMap(create, (s, x) => [s, x], onComplete).take(0).runWith(Sink.seq());
    expect(create).not.toHaveBeenCalled();
    expect(onComplete).not.toHaveBeenCalled();
  });

  it('fails with a StageFailure when f throws, after finishing the state', () => {
    const log: string[] = [];
    const { create, f, onComplete } = indexer(log, { failOn: 'bad' });
    const { src, sink } = harness<string, string>((s) => s.statefulMap(create, f, onComplete));
    sink.request(5);
    src.sendNext('a').sendNext('bad');
    sink.expectNext('1:a0');
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'statefulMap', cause: expect.any(Boom) });
    expect(src.expectCancellation()).toBe(failure);
    expect(log).toEqual(['complete 1/1']);
  });

  it('fails when create throws', async () => {
    const p = Source.from([1]).statefulMap(() => { throw new Boom('create'); }, (s, x) => [s, x]).runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'statefulMap', cause: expect.objectContaining({ message: 'create' }) });
  });

  it('fails when onComplete throws on completion', async () => {
    const p = Source.from([1]).statefulMap(() => 0, (s, x) => [s, x], () => { throw new Boom('end'); }).runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'statefulMap', cause: expect.objectContaining({ message: 'end' }) });
  });

  it('resume drops the element and keeps the state', async () => {
    const log: string[] = [];
    const { create, f, onComplete } = indexer(log, { failOn: 'bad' });
    const out = await Source.from(['a', 'bad', 'b'])
      .statefulMap(create, f, onComplete, { supervision: Supervision.resumingDecider })
      .runWith(Sink.seq());
    expect(out).toEqual(['1:a0', '1:b1']);
    expect(log).toEqual(['complete 1/2']);
  });

  it('restart (via attributes) finishes the state, drops its last element and creates a new state', async () => {
    const log: string[] = [];
    const { create, f, onComplete } = indexer(log, { failOn: 'bad', emitLast: true });
    const out = await Source.from(['a', 'bad', 'b'])
      .statefulMap(create, f, onComplete)
      .withAttributes(Attributes.supervision(Supervision.restartingDecider))
      .runWith(Sink.seq());
    expect(out).toEqual(['1:a0', '2:b0', 'last 2/1']);
    expect(log).toEqual(['complete 1/1', 'complete 2/1']);
  });

  it('validates its arguments', () => {
    expect(() => Source.from([1]).statefulMap(1 as never, (s, x) => [s, x])).toThrow(/statefulMap: create must be a function/);
    expect(() => Source.from([1]).statefulMap(() => 0, null as never)).toThrow(/statefulMap: f must be a function/);
    expect(() => Source.from([1]).statefulMap(() => 0, (s, x) => [s, x], 'x' as never)).toThrow(/statefulMap: onComplete must be a function/);
  });
});
