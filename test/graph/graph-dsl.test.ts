import {
  Broadcast,
  ClosedShape,
  Flow,
  FlowShape,
  GraphDSL,
  GraphValidationError,
  Merge,
  OverflowStrategy,
  RunnableGraph,
  Sink,
  Source,
  SourceShape,
} from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';

describe('GraphDSL', () => {
  it('runs the broadcast → map → merge example from the issue', async () => {
    const source = Source.range(1, 3);
    const sink = Sink.seq<number>();
    const graph = RunnableGraph.fromGraph(
      GraphDSL.createWithMat([sink] as const, (done) => done, (b, out) => {
        const bcast = b.add(Broadcast.create<number>(2));
        const merge = b.add(Merge.create<number>(2));
        b.from(source).to(bcast.in);
        b.from(bcast.out(0)).via(Flow.create<number>().map((x) => x + 1)).to(merge.in(0));
        b.from(bcast.out(1)).to(merge.in(1));
        b.from(merge.out).to(out.in);
        return ClosedShape;
      }),
    );
    const result = await graph.run();
    expect([...result].sort((a, b) => a - b)).toEqual([1, 2, 2, 3, 3, 4]);
    expect(await graph.run()).toHaveLength(6); // a blueprint: runs again independently
  });

  it('partial graphs become sources and flows, and compose linearly', async () => {
    const twoTables = Source.fromGraph(
      GraphDSL.create((b) => {
        const merge = b.add(Merge.create<string>(2));
        b.from(Source.from(['a1', 'a2'])).to(merge.in(0));
        b.from(Source.from(['b1'])).to(merge.in(1));
        return new SourceShape(merge.out);
      }),
    );
    const fanOutIn = Flow.fromGraph(
      GraphDSL.create((b) => {
        const bcast = b.add(Broadcast.create<string>(2));
        const merge = b.add(Merge.create<string>(2));
        b.from(bcast.out(0)).via(Flow.create<string>().map((s) => s.toUpperCase())).to(merge.in(0));
        b.from(bcast.out(1)).to(merge.in(1));
        return new FlowShape(bcast.in, merge.out);
      }),
    );
    const out = await twoTables.via(fanOutIn).runWith(Sink.seq());
    expect(out.sort()).toEqual(['A1', 'A2', 'B1', 'a1', 'a2', 'b1']);
  });

  it('broadcast goes at the pace of the slowest branch (no buffering beyond one element)', () => {
    const graph = GraphDSL.createWithMat(
      [TestSource.probe<number>(), TestSink.probe<number>(), TestSink.probe<number>()] as const,
      (src, fast, slow) => ({ src, fast, slow }),
      (b, src, fast, slow) => {
        const bcast = b.add(Broadcast.create<number>(2));
        b.from(src.out).to(bcast.in);
        b.from(bcast.out(0)).to(fast.in);
        b.from(bcast.out(1)).to(slow.in);
        return ClosedShape;
      },
    );
    const { src, fast, slow } = RunnableGraph.fromGraph(graph).run();
    fast.request(10);
    src.sendNext(1).sendNext(2).sendNext(3);
    fast.expectNoMessage();
    slow.request(1);
    fast.expectNext(1);
    slow.expectNext(1);
    expect(src.pending).toBe(1); // 2 is held by broadcast, 3 waits upstream
    slow.cancel(); // the slow branch leaves: broadcast continues for the other (no eagerCancel)
    fast.expectNext(2, 3);
    src.expectNotCancelled();
    fast.cancel();
    src.expectCancellation();
  });

  it('merge completes when all inputs completed, or eagerly', async () => {
    const merged = (eagerComplete: boolean) =>
      Source.fromGraph(
        GraphDSL.create((b) => {
          const merge = b.add(Merge.create<number>(2, { eagerComplete }));
          b.from(Source.from([1, 2, 3])).to(merge.in(0));
          b.from(Source.never<number>()).to(merge.in(1));
          return new SourceShape(merge.out);
        }),
      );
    expect(await merged(true).runWith(Sink.seq())).toEqual([1, 2, 3]);
    const probe = merged(false).runWith(TestSink.probe<number>());
    probe.request(5).expectNext(1, 2, 3).expectNoMessage();
    probe.cancel();
  });

  it('reports unconnected ports, double connections and foreign ports at build time', () => {
    expect(() =>
      GraphDSL.create((b) => {
        const bcast = b.add(Broadcast.create<number>(2));
        b.from(Source.single(1)).to(bcast.in);
        b.from(bcast.out(0)).to(Sink.ignore());
        return ClosedShape;
      }),
    ).toThrow(/unconnected ports: Outlet\(broadcast.out1\) of #0 broadcast/);
    expect(() =>
      GraphDSL.create((b) => {
        const merge = b.add(Merge.create<number>(2));
        b.from(Source.single(1)).to(merge.in(0));
        b.from(Source.single(2)).to(merge.in(0));
        return ClosedShape;
      }),
    ).toThrow('GraphDSL: Inlet(merge.in0) is already connected; a port connects once');
    const foreign = Merge.create<number>(2).shape;
    expect(() =>
      GraphDSL.create((b) => {
        b.from(Source.single(1)).to(foreign.in(0));
        return ClosedShape;
      }),
    ).toThrow(GraphValidationError);
    expect(() => Source.fromGraph(GraphDSL.create(() => ClosedShape) as never)).toThrow(
      'Source.fromGraph: expected a SourceShape (no inlets, one outlet), got a shape with 0 inlet(s) and 0 outlet(s)',
    );
  });

  it('rejects a cycle without a buffer and runs one with a buffer', async () => {
    const build = (feedback: Flow<number, number, unknown>) =>
      GraphDSL.createWithMat([Sink.seq<number>()] as const, (done) => done, (b, out) => {
        const merge = b.add(Merge.create<number>(2));
        const bcast = b.add(Broadcast.create<number>(2));
        b.from(Source.single(1)).to(merge.in(0));
        b.from(merge.out).via(Flow.create<number>().map((x) => x + 1)).to(bcast.in);
        b.from(bcast.out(0)).via(Flow.create<number>().takeWhile((x) => x < 5)).to(out.in);
        b.from(bcast.out(1)).via(feedback).to(merge.in(1));
        return ClosedShape;
      });
    expect(() => build(Flow.create<number>().filter((x) => x < 5))).toThrow(/cycle without a buffer through .*merge.*broadcast/);
    const graph = RunnableGraph.fromGraph(build(Flow.create<number>().filter((x) => x < 5).buffer(2, OverflowStrategy.backpressure)));
    expect(await graph.run()).toEqual([2, 3, 4]);
  });

  it('fails the whole graph with the failing stage named', async () => {
    const graph = GraphDSL.createWithMat([Sink.seq<number>()] as const, (done) => done, (b, out) => {
      const bcast = b.add(Broadcast.create<number>(2));
      const merge = b.add(Merge.create<number>(2));
      b.from(Source.range(1, 5)).to(bcast.in);
      b.from(bcast.out(0)).via(Flow.create<number>().map((x) => {
        if (x === 3) throw new Error('three');
        return x;
      }).named('branch')).to(merge.in(0));
      b.from(bcast.out(1)).to(merge.in(1));
      b.from(merge.out).to(out.in);
      return ClosedShape;
    });
    await expect(RunnableGraph.fromGraph(graph).run()).rejects.toMatchObject({ stage: 'map', message: expect.stringContaining('three') });
  });
});
