/** The examples of docs/graphs.md, run as written there; the asserted results are the ones the page shows. */
import {
  Balance,
  Broadcast,
  ClosedShape,
  Concat,
  Flow,
  FlowShape,
  GraphDSL,
  Interleave,
  Merge,
  MergeLatest,
  MergePreferred,
  MergePrioritized,
  MergeSorted,
  OverflowStrategy,
  Partition,
  RunnableGraph,
  Sink,
  SinkShape,
  Source,
  SourceShape,
  Unzip,
  UnzipWith,
  Zip,
  ZipLatest,
  ZipWith,
  type Graph,
  type Shape,
} from 'tributary';

/** A source made of one junction fed by the given sources (the pattern most examples use). */
function fanIn<T, O>(junction: Graph<Shape, unknown>, sources: Source<T, unknown>[]): Source<O, unknown> {
  return Source.fromGraph(
    GraphDSL.create((b) => {
      const j = b.add(junction);
      sources.forEach((s, i) => b.from(s).to(j.inlets[i]!));
      return new SourceShape<O>(j.outlets[0]!);
    }),
  );
}

describe('docs/graphs.md', () => {
  it('the GraphDSL tour', async () => {
    // A closed graph: fan out to two sinks, both materialized values kept.
    const graph = RunnableGraph.fromGraph(
      GraphDSL.createWithMat([Sink.seq<number>(), Sink.seq<number>()] as const, (a, b) => Promise.all([a, b]), (b, evens, all) => {
        const bcast = b.add(Broadcast.create<number>(2));
        b.from(Source.range(1, 6)).to(bcast.in);
        b.from(bcast.out(0)).via(Flow.create<number>().filter((x) => x % 2 === 0)).to(evens);
        b.from(bcast.out(1)).to(all);
        return ClosedShape;
      }),
    );
    expect(await graph.run()).toEqual([
      [2, 4, 6],
      [1, 2, 3, 4, 5, 6],
    ]);

    // A partial graph as a Flow: enrich each element with two lookups done side by side.
    const enrich = Flow.fromGraph(
      GraphDSL.create((b) => {
        const bcast = b.add(Broadcast.create<number>(2));
        const zip = b.add(ZipWith.create((name: string, price: number) => `${name}: ${price}`));
        b.from(bcast.out(0)).via(Flow.create<number>().map((id) => `item${id}`)).to(zip.in0);
        b.from(bcast.out(1)).via(Flow.create<number>().map((id) => id * 10)).to(zip.in1);
        return new FlowShape(bcast.in, zip.out);
      }),
    );
    expect(await Source.from([1, 2]).via(enrich).runWith(Sink.seq())).toEqual(['item1: 10', 'item2: 20']);

    // A partial graph as a Sink: split by kind into two sinks.
    const seen: string[] = [];
    const byKind = Sink.fromGraph(
      GraphDSL.create((b) => {
        const split = b.add(Partition.create<string>(2, (s) => (s.startsWith('-') ? 1 : 0)));
        b.from(split.out(0)).to(Sink.forEach((s: string) => void seen.push(`upsert ${s}`)));
        b.from(split.out(1)).to(Sink.forEach((s: string) => void seen.push(`delete ${s.slice(1)}`)));
        return new SinkShape(split.in);
      }),
    );
    Source.from(['a', '-b', 'c']).runWith(byKind); // synchronous elements flow at once
    expect(seen).toEqual(['upsert a', 'delete b', 'upsert c']);
  });

  it('the cycle through a buffer', async () => {
    const graph = GraphDSL.createWithMat([Sink.seq<number>()] as const, (done) => done, (b, out) => {
      const merge = b.add(Merge.create<number>(2));
      const bcast = b.add(Broadcast.create<number>(2));
      b.from(Source.single(1)).to(merge.in(0));
      b.from(merge.out).via(Flow.create<number>().map((x) => x + 1)).to(bcast.in);
      b.from(bcast.out(0)).via(Flow.create<number>().takeWhile((x) => x < 5)).to(out);
      b.from(bcast.out(1)).via(Flow.create<number>().filter((x) => x < 5).buffer(2, OverflowStrategy.backpressure)).to(merge.in(1));
      return ClosedShape;
    });
    expect(await RunnableGraph.fromGraph(graph).run()).toEqual([2, 3, 4]);
  });

  it('the fan-in junctions', async () => {
    expect(await fanIn(Merge.create<number>(2), [Source.from([1, 2]), Source.from([10, 20])]).runWith(Sink.seq())).toEqual([1, 10, 2, 20]);

    const preferred = Source.fromGraph(
      GraphDSL.create((b) => {
        const merge = b.add(MergePreferred.create<string>(1));
        b.from(Source.from(['retry1', 'retry2'])).to(merge.preferred);
        b.from(Source.from(['new1', 'new2'])).to(merge.in(0));
        return new SourceShape(merge.out);
      }),
    );
    // new1 left before the retries had arrived; once both inputs have elements waiting, retries go first.
    expect(await preferred.runWith(Sink.seq())).toEqual(['new1', 'retry1', 'retry2', 'new2']);

    const prioritized = fanIn<string, string>(MergePrioritized.create<string>([2, 1]), [Source.repeat('urgent').take(6), Source.repeat('normal').take(3)]);
    expect(await prioritized.runWith(Sink.seq())).toEqual(['urgent', 'urgent', 'normal', 'urgent', 'urgent', 'normal', 'urgent', 'urgent', 'normal']);

    expect(await fanIn(MergeSorted.create<number>(), [Source.from([1, 4, 9]), Source.from([2, 3, 10])]).runWith(Sink.seq())).toEqual([1, 2, 3, 4, 9, 10]);

    expect(await fanIn(MergeLatest.create<number>(2), [Source.from([1, 2]), Source.from([10])]).runWith(Sink.seq())).toEqual([
      [1, 10],
      [2, 10],
    ]);

    expect(await fanIn(Concat.create<string>(2), [Source.from(['snapshot1', 'snapshot2']), Source.from(['change1'])]).runWith(Sink.seq())).toEqual([
      'snapshot1',
      'snapshot2',
      'change1',
    ]);

    expect(await fanIn(Interleave.create<number>(2, 2), [Source.from([1, 2, 3, 4]), Source.from([10, 20, 30])]).runWith(Sink.seq())).toEqual([
      1, 2, 10, 20, 3, 4, 30,
    ]);

    expect(await fanIn<unknown, [string, number]>(Zip.create<string, number>(), [Source.from(['a', 'b', 'c']), Source.from([1, 2])]).runWith(Sink.seq())).toEqual([
      ['a', 1],
      ['b', 2],
    ]);

    const latest = fanIn<unknown, [string, number]>(ZipLatest.create<string, number>(), [Source.single('config-v1'), Source.from([1, 2])]);
    expect(await latest.runWith(Sink.seq())).toEqual([['config-v1', 1]]);
  });

  it('the fan-out junctions', async () => {
    const twoSinks = <T>(junction: Graph<Shape, unknown>, input: Source<any, unknown>) =>
      RunnableGraph.fromGraph(
        GraphDSL.createWithMat([Sink.seq<T>(), Sink.seq<T>()] as const, (a, b) => Promise.all([a, b]), (b, left, right) => {
          const j = b.add(junction);
          b.from(input).to(j.inlets[0]!);
          b.from(j.outlets[0]!).to(left);
          b.from(j.outlets[1]!).to(right);
          return ClosedShape;
        }),
      ).run();

    expect(await twoSinks(Broadcast.create<number>(2), Source.from([1, 2]))).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(await twoSinks(Partition.create<number>(2, (x) => (x < 0 ? 1 : 0)), Source.from([1, -2, 3]))).toEqual([[1, 3], [-2]]);
    expect(await twoSinks(Unzip.create<string, number>(), Source.from<readonly [string, number]>([['a', 1], ['b', 2]]))).toEqual([
      ['a', 'b'],
      [1, 2],
    ]);
    expect(await twoSinks(UnzipWith.create((s: string): [string, number] => [s.toUpperCase(), s.length]), Source.from(['ab', 'c']))).toEqual([
      ['AB', 'C'],
      [2, 1],
    ]);
    const [a, b] = (await twoSinks(Balance.create<number>(2), Source.range(1, 100))) as number[][];
    expect([...a!, ...b!].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('the worker-pool example', async () => {
    const lookup = (id: number): Promise<string> => Promise.resolve(`row${id}`);
    const pool = (workers: number) =>
      Flow.fromGraph(
        GraphDSL.create((b) => {
          const balance = b.add(Balance.create<number>(workers));
          const merge = b.add(Merge.create<string>(workers));
          for (let i = 0; i < workers; i++) {
            b.from(balance.out(i)).via(Flow.create<number>().mapAsync(1, lookup)).to(merge.in(i));
          }
          return new FlowShape(balance.in, merge.out);
        }),
      );
    const rows = await Source.range(1, 10).via(pool(3)).runWith(Sink.seq());
    expect([...rows].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `row${i + 1}`).sort());
  });
});
