import { Subject } from 'rxjs';
import {
  Attributes,
  Flow,
  FlowWithContext,
  Keep,
  Sink,
  Source,
  SourceWithContext,
  StageFailure,
  Supervision,
} from 'tributary';
import { TestSink, TestSource, type SinkProbe, type SourceProbe } from 'tributary/testing';
import { Boom } from './helpers';

type Pair<T> = [T, number];

/** A probe-driven `SourceWithContext<string, number>` (context = position) through `ops`, into a probe sink. */
function run<T>(ops: (s: SourceWithContext<string, number, SourceProbe<string>>) => SourceWithContext<T, unknown, SourceProbe<string>>): {
  src: SourceProbe<string>;
  sink: SinkProbe<[T, unknown]>;
} {
  let i = 0;
  const [src, sink] = ops(TestSource.probe<string>().asSourceWithContext(() => i++))
    .toMat(TestSink.probe<[T, unknown]>(), Keep.both)
    .run();
  return { src, sink };
}

describe('SourceWithContext', () => {
  it('asSourceWithContext pairs each element with its context; asSource exposes the pairs', async () => {
    const out = await Source.from(['a', 'bb']).asSourceWithContext((s) => s.length).asSource().runWith(Sink.seq());
    expect(out).toEqual([
      ['a', 1],
      ['bb', 2],
    ]);
  });

  it('fromTuples wraps a source of pairs and rejects anything else', async () => {
    const pairs: Pair<string>[] = [['x', 7]];
    expect(await SourceWithContext.fromTuples(Source.from(pairs)).map((s) => s + '!').asSource().runWith(Sink.seq())).toEqual([['x!', 7]]);
    expect(() => SourceWithContext.fromTuples(42 as never)).toThrow('SourceWithContext.fromTuples: source must be a Source, got number');
  });

  it('map transforms the element and keeps its context; backpressured by downstream', () => {
    const { src, sink } = run((s) => s.map((x) => x.toUpperCase()));
    src.expectNoRequest();
    sink.request(1);
    src.sendNext('a');
    sink.expectNext(['A', 0]);
    src.expectNoRequest();
    sink.request(2);
    src.sendNext('b').sendComplete();
    sink.expectNext(['B', 1]).expectComplete();
  });

  it('map fails with a StageFailure naming the map stage; resume drops the element with its context', async () => {
    const failing = Source.from(['a', 'x', 'b'])
      .asSourceWithContext((s) => s.charCodeAt(0))
      .map((s) => {
        if (s === 'x') throw new Boom('bad');
        return s;
      });
    const err = await failing.asSource().runWith(Sink.seq()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageFailure);
    expect((err as StageFailure).stage).toBe('map');
    expect((err as StageFailure).cause).toBeInstanceOf(Boom);

    const resumed = Source.from(['a', 'x', 'b'])
      .asSourceWithContext((s) => s.charCodeAt(0))
      .map(
        (s) => {
          if (s === 'x') throw new Boom('bad');
          return s;
        },
        { supervision: Supervision.resumingDecider },
      );
    expect(await resumed.asSource().runWith(Sink.seq())).toEqual([
      ['a', 97],
      ['b', 98],
    ]);
  });

  it('filter, filterNot and collect drop elements together with their contexts', async () => {
    const base = () => Source.from([1, 2, 3, 4]).asSourceWithContext((x) => `c${x}`);
    expect(await base().filter((x) => x % 2 === 0).asSource().runWith(Sink.seq())).toEqual([
      [2, 'c2'],
      [4, 'c4'],
    ]);
    expect(await base().filterNot((x) => x % 2 === 0).asSource().runWith(Sink.seq())).toEqual([
      [1, 'c1'],
      [3, 'c3'],
    ]);
    expect(await base().collect((x) => (x > 2 ? x * 10 : undefined)).asSource().runWith(Sink.seq())).toEqual([
      [30, 'c3'],
      [40, 'c4'],
    ]);
  });

  it('mapConcat gives every output the input context, lazily and backpressured', () => {
    const { src, sink } = run((s) => s.mapConcat((x) => x.split('')));
    sink.request(1);
    src.sendNext('ab');
    sink.expectNext(['a', 0]);
    src.expectNoRequest(); // 'b' still waits in the iterable
    sink.request(3);
    sink.expectNext(['b', 0]);
    src.sendNext('').sendNext('c').sendComplete();
    sink.expectNext(['c', 2]).expectComplete();
  });

  it('grouped keeps every context, including those of a partial last group', async () => {
    const out = await Source.range(1, 5).asSourceWithContext((x) => x * 10).grouped(2).asSource().runWith(Sink.seq());
    expect(out).toEqual([
      [
        [1, 2],
        [10, 20],
      ],
      [
        [3, 4],
        [30, 40],
      ],
      [[5], [50]],
    ]);
  });

  it('mapAsync emits results in input order, each with its own context', () => {
    const calls = new Map<string, Subject<string>>();
    const { src, sink } = run((s) =>
      s.mapAsync(2, (x) => {
        const subject = new Subject<string>();
        calls.set(x, subject);
        return subject;
      }),
    );
    sink.request(10);
    src.sendNext('a').sendNext('b').sendNext('c');
    expect([...calls.keys()]).toEqual(['a', 'b']); // parallelism 2 backpressures 'c'
    calls.get('b')!.next('B');
    sink.expectNoMessage();
    calls.get('a')!.next('A');
    sink.expectNext(['A', 0], ['B', 1]);
    calls.get('c')!.next('C');
    src.sendComplete();
    sink.expectNext(['C', 2]).expectComplete();
  });

  it('mapAsync pairs promise results and follows supervision for rejected calls', async () => {
    const out = await Source.from([1, 2, 3])
      .asSourceWithContext((x) => -x)
      .mapAsync(2, (x) => (x === 2 ? Promise.reject(new Boom('no')) : Promise.resolve(x * 2)), {
        supervision: Supervision.resumingDecider,
      })
      .asSource()
      .runWith(Sink.seq());
    expect(out).toEqual([
      [2, -1],
      [6, -3],
    ]);
    const err = await Source.single(1)
      .asSourceWithContext((x) => x)
      .mapAsync(1, () => Promise.reject(new Boom('no')))
      .asSource()
      .runWith(Sink.seq())
      .catch((e: unknown) => e);
    expect((err as StageFailure).stage).toBe('mapAsync');
  });

  it('mapContext transforms contexts only', async () => {
    const out = await Source.from(['a']).asSourceWithContext(() => 1).mapContext((c) => c + 1).asSource().runWith(Sink.seq());
    expect(out).toEqual([['a', 2]]);
  });

  it('via / viaMat append a FlowWithContext; toMat / to / runWith close it with a sink of pairs', async () => {
    const flow = FlowWithContext.create<number, string>()
      .map((x) => x + 1)
      .mapMaterializedValue(() => 'flow-mat');
    const [left, out] = Source.from([1, 2])
      .mapMaterializedValue(() => 'source-mat')
      .asSourceWithContext((x) => `o${x}`)
      .viaMat(flow, Keep.both)
      .toMat(Sink.seq(), Keep.both)
      .run();
    expect(left).toEqual(['source-mat', 'flow-mat']);
    expect(await out).toEqual([
      [2, 'o1'],
      [3, 'o2'],
    ]);
    expect(await Source.from([1]).asSourceWithContext((x) => `o${x}`).via(flow).runWith(Sink.seq())).toEqual([[2, 'o1']]);
    const seen: unknown[] = [];
    Source.from([5]).asSourceWithContext(() => 0).to(Sink.forEach((p) => void seen.push(p))).run();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([[5, 0]]);
  });

  it('named and withAttributes apply to the underlying stages', async () => {
    const err = await Source.from([1])
      .asSourceWithContext((x) => x)
      .map(() => {
        throw new Boom('x');
      })
      .named('parse')
      .asSource()
      .runWith(Sink.ignore())
      .catch((e: unknown) => e);
    expect((err as StageFailure).path).toMatch(/^parse\/map#\d+$/);

    const resumed = await Source.from([1, 2])
      .asSourceWithContext((x) => x)
      .map((x) => {
        if (x === 1) throw new Boom('x');
        return x;
      })
      .withAttributes(Attributes.supervision(Supervision.resumingDecider))
      .asSource()
      .runWith(Sink.seq());
    expect(resumed).toEqual([[2, 2]]);
  });

  it('propagates upstream failure and downstream cancellation', () => {
    const { src, sink } = run((s) => s.map((x) => x));
    sink.request(1);
    src.sendError(new Boom('upstream'));
    expect(sink.expectError()).toBeInstanceOf(Boom);

    const second = run((s) => s.map((x) => x).filter(() => true));
    second.sink.cancel();
    second.src.expectCancellation();
  });

  it('validates user functions with the operator name', () => {
    const s = Source.single(1).asSourceWithContext((x) => x);
    expect(() => s.map(undefined as never)).toThrow('map: f must be a function, got undefined');
    expect(() => s.filter(null as never)).toThrow('filter: predicate must be a function, got null');
    expect(() => s.mapContext(1 as never)).toThrow('mapContext: f must be a function, got number');
    expect(() => s.grouped(0)).toThrow(/grouped: size must be a positive integer, got 0/);
    expect(() => s.mapAsync(0, (x) => Promise.resolve(x))).toThrow(/mapAsync: parallelism must be a positive integer, got 0/);
    expect(() => Source.single(1).asSourceWithContext(undefined as never)).toThrow('asSourceWithContext: f must be a function');
  });

  it('offers no reordering operators (checked by the compiler)', () => {
    const s = Source.single(1).asSourceWithContext((x) => x);
    const f = FlowWithContext.create<number, number>();
    // @ts-expect-error mapAsyncUnordered would reorder contexts
    expect(s.mapAsyncUnordered).toBeUndefined();
    // @ts-expect-error statefulMap may emit independently of contexts
    expect(s.statefulMap).toBeUndefined();
    // @ts-expect-error mapAsyncPartitioned reorders across keys
    expect(f.mapAsyncPartitioned).toBeUndefined();
    // @ts-expect-error merge mixes streams
    expect(f.merge).toBeUndefined();
  });
});

describe('FlowWithContext', () => {
  it('create gives an identity flow with context; operators keep contexts', async () => {
    const flow = FlowWithContext.create<string, number>().map((s) => s.length).filter((n) => n > 1);
    const out = await Source.from(['a', 'bcd', 'ef']).asSourceWithContext(() => 0).via(flow).asSource().runWith(Sink.seq());
    expect(out).toEqual([
      [3, 0],
      [2, 0],
    ]);
  });

  it('fromTuples wraps a flow of pairs; asFlow unwraps it; to/toMat give sinks of pairs', async () => {
    const flow = FlowWithContext.fromTuples(Flow.create<[number, string]>().map(([x, c]): [number, string] => [x * 2, c]));
    expect(await Source.from<[number, string]>([[1, 'a']]).via(flow.asFlow()).runWith(Sink.seq())).toEqual([[2, 'a']]);
    const sink = flow.toMat(Sink.seq(), Keep.right);
    expect(await Source.from<[number, string]>([[2, 'b']]).runWith(sink)).toEqual([[4, 'b']]);
    const done = Source.from<[number, string]>([[3, 'c']]).runWith(flow.to(Sink.ignore()).mapMaterializedValue(() => 'm'));
    expect(done).toBe('m');
    expect(() => FlowWithContext.fromTuples({} as never)).toThrow('FlowWithContext.fromTuples: flow must be a Flow, got object');
  });

  it('via composes flows with context', async () => {
    const a = FlowWithContext.create<number, string>().map((x) => x + 1);
    const b = FlowWithContext.create<number, string>().mapContext((c) => c.toUpperCase());
    const out = await Source.from([1]).asSourceWithContext(() => 'x').via(a.via(b)).asSource().runWith(Sink.seq());
    expect(out).toEqual([[2, 'X']]);
  });

  it('Flow.asFlowWithContext collapses the pair into the input and extracts the output context', async () => {
    const send = Flow.create<{ id: number; offset: number }>().map((m) => ({ ...m, sent: true }));
    const withContext = send.asFlowWithContext(
      (id: number, offset: number) => ({ id, offset }),
      (m) => m.offset,
    );
    const out = await Source.from([7, 8]).asSourceWithContext((x) => x * 100).via(withContext).asSource().runWith(Sink.seq());
    expect(out).toEqual([
      [{ id: 7, offset: 700, sent: true }, 700],
      [{ id: 8, offset: 800, sent: true }, 800],
    ]);
    expect(() => send.asFlowWithContext(undefined as never, (m) => m)).toThrow('asFlowWithContext: collapse must be a function');
  });
});
