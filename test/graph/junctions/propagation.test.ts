import {
  Balance,
  Broadcast,
  ClosedShape,
  Flow,
  FlowShape,
  GraphDSL,
  Materializer,
  Merge,
  NoMoreElementsNeeded,
  Partition,
  RunnableGraph,
  Sink,
  Source,
  StageFailure,
  Unzip,
  Zip,
  type StageInfo,
} from 'tributary';
import { TestSink, TestSource } from 'tributary/testing';

/** A materializer that counts, per stage path, how often each junction stage started and stopped. */
function lifecycle(junctions: RegExp): { materializer: Materializer; unbalanced(): string[]; stopped: Map<string, number> } {
  const started = new Map<string, number>();
  const stopped = new Map<string, number>();
  const bump = (m: Map<string, number>, s: StageInfo): void => void m.set(s.path, (m.get(s.path) ?? 0) + 1);
  const materializer = new Materializer({ observer: { stageStarted: (s) => bump(started, s), stageStopped: (s) => bump(stopped, s) } });
  return {
    materializer,
    stopped,
    unbalanced: () => {
      const paths = [...started.keys()].filter((p) => junctions.test(p));
      if (paths.length === 0) throw new Error('no junction started');
      return paths.filter((p) => started.get(p) !== 1 || stopped.get(p) !== 1);
    },
  };
}

describe('failure and cancellation through junctions in GraphDSL graphs', () => {
  it('a failing branch between Broadcast and Zip fails the sink and cancels the source; every junction stops once', () => {
    const watch = lifecycle(/broadcast|zip/);
    const boom = new Error('three');
    const graph = GraphDSL.createWithMat(
      [TestSource.probe<number>(), TestSink.probe<[number, number]>()] as const,
      (src, sink) => ({ src, sink }),
      (b, src, sink) => {
        const bcast = b.add(Broadcast.create<number>(2));
        const zip = b.add(Zip.create<number, number>());
        b.from(src).to(bcast.in);
        b.from(bcast.out(0))
          .via(Flow.create<number>().map((x) => {
            if (x === 3) throw boom;
            return x * 10;
          }).named('branch'))
          .to(zip.in0);
        b.from(bcast.out(1)).to(zip.in1);
        b.from(zip.out).to(sink);
        return ClosedShape;
      },
    );
    const { src, sink } = RunnableGraph.fromGraph(graph).run(watch.materializer);
    sink.request(5);
    src.sendNext(1).sendNext(2).sendNext(3);
    sink.expectNext([10, 1], [20, 2]);
    expect(sink.expectFailure()).toMatchObject({ stage: 'map', path: expect.stringContaining('branch/map'), cause: boom });
    expect(src.expectCancellation()).toBeInstanceOf(StageFailure);
    expect(watch.unbalanced()).toEqual([]);
  });

  it('the sink cancelling behind Balance → workers → Merge cancels the source', () => {
    const watch = lifecycle(/balance|merge/);
    const graph = GraphDSL.createWithMat(
      [TestSource.probe<number>(), TestSink.probe<number>()] as const,
      (src, sink) => ({ src, sink }),
      (b, src, sink) => {
        const balance = b.add(Balance.create<number>(2));
        const merge = b.add(Merge.create<number>(2));
        b.from(src).to(balance.in);
        for (let i = 0; i < 2; i++) b.from(balance.out(i)).via(Flow.create<number>().map((x) => x + 1)).to(merge.in(i));
        b.from(merge.out).to(sink);
        return ClosedShape;
      },
    );
    const { src, sink } = RunnableGraph.fromGraph(graph).run(watch.materializer);
    sink.request(2);
    src.sendNext(1).sendNext(2);
    expect(sink.expectNextN(2).sort()).toEqual([2, 3]);
    sink.cancel();
    expect(src.expectCancellation()).toBeInstanceOf(NoMoreElementsNeeded);
    expect(watch.unbalanced()).toEqual([]);
  });

  it('a failing input of a fan-in fails downstream and cancels the other inputs with that failure', async () => {
    const graph = GraphDSL.createWithMat(
      [TestSource.probe<number>(), Sink.seq<number>()] as const,
      (probe, done) => ({ probe, done }),
      (b, probe, sink) => {
        const merge = b.add(Merge.create<number>(2));
        b.from(Source.failed<number>(new Error('table gone')).named('tableA')).to(merge.in(0));
        b.from(probe).to(merge.in(1));
        b.from(merge.out).to(sink);
        return ClosedShape;
      },
    );
    const { probe, done } = RunnableGraph.fromGraph(graph).run();
    await expect(done).rejects.toMatchObject({ stage: 'tableA', cause: new Error('table gone') });
    expect(probe.expectCancellation()).toMatchObject({ stage: 'tableA' });
  });

  it('Partition keeps serving the other branch after one branch completes early (take), dropping its elements', async () => {
    const graph = GraphDSL.createWithMat(
      [Sink.seq<number>(), Sink.seq<number>()] as const,
      (evens, odds) => Promise.all([evens, odds]),
      (b, evens, odds) => {
        const split = b.add(Partition.create<number>(2, (x) => x % 2));
        b.from(Source.range(1, 10)).to(split.in);
        b.from(split.out(0)).via(Flow.create<number>().take(2)).to(evens);
        b.from(split.out(1)).to(odds);
        return ClosedShape;
      },
    );
    expect(await RunnableGraph.fromGraph(graph).run()).toEqual([
      [2, 4],
      [1, 3, 5, 7, 9],
    ]);
  });

  it('Unzip → two branches → Zip reassembles the pairs', async () => {
    const pairs = Flow.fromGraph(
      GraphDSL.create((b) => {
        const unzip = b.add(Unzip.create<string, number>());
        const zip = b.add(Zip.create<string, number>());
        b.from(unzip.out0).via(Flow.create<string>().map((s) => s.toUpperCase())).to(zip.in0);
        b.from(unzip.out1).via(Flow.create<number>().map((n) => n * 2)).to(zip.in1);
        return new FlowShape(unzip.in, zip.out);
      }),
    );
    const out = await Source.from<readonly [string, number]>([['a', 1], ['b', 2]]).via(pairs).runWith(Sink.seq());
    expect(out).toEqual([['A', 2], ['B', 4]]);
  });
});
