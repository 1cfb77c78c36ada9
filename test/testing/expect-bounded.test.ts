import { map, timer } from 'rxjs';
import {
  Flow,
  FlowShape,
  GraphStageLogic,
  Inlet,
  Keep,
  OverflowStrategy,
  Outlet,
  SimpleGraphStage,
  Sink,
  Source,
  StageFailure,
  type BufferStats,
  type StageContext,
  type StageInfo,
} from 'tributary';
import { BoundednessError, TestClock, expectBounded } from 'tributary/testing';

const pipeline = (n: number) =>
  Source.range(1, n)
    .buffer(8, OverflowStrategy.backpressure)
    .async(4)
    .mapAsync(3, (x) => Promise.resolve(x))
    .toMat(Sink.ignore(), Keep.right);

describe('expectBounded', () => {
  it('reports every buffering stage with its capacity and peak', async () => {
    const report = await expectBounded(pipeline(2000), { maxBuffered: 15 });
    const byName = Object.fromEntries(report.stages.map((s) => [s.name, s]));
    expect(byName.buffer).toEqual({ name: 'buffer', path: 'buffer#1', capacity: 8, peak: 8 });
    expect(byName.async).toMatchObject({ capacity: 4, peak: 4 });
    expect(byName.mapAsync).toMatchObject({ capacity: 3, peak: 3 });
    expect(report.stages).toHaveLength(3);
    expect(report.totalPeak).toBe(15);
  });

  it('fails with the offending total when the sum of peaks exceeds maxBuffered', async () => {
    const error = await expectBounded(pipeline(2000), { maxBuffered: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BoundednessError);
    const message = (error as BoundednessError).message;
    expect(message).toContain('✗ total peak 15 > maxBuffered 10');
    expect(message).toContain('buffer#1  capacity 8  peak 8');
    expect((error as BoundednessError).report.totalPeak).toBe(15);
  });

  it('catches a stage that holds more than its declared capacity', async () => {
    const graph = Source.range(1, 50).via(Flow.fromGraph(new Hoarder(2))).toMat(Sink.seq(), Keep.right);
    await expect(expectBounded(graph, { maxBuffered: 1000 })).rejects.toThrow(/✗ Hoarder#1: peak 50 > capacity 2/);
    // …and ignores per-stage capacity when asked to, still checking the total
    const report = await expectBounded(graph, { maxBuffered: 1000, perStage: false });
    expect(report.totalPeak).toBe(50);
  });

  it('picks the completion promise from a combined materialized value', async () => {
    const graph = Source.range(1, 100).async(2).toMat(Sink.seq<number>(), Keep.both);
    const report = await expectBounded(graph, { maxBuffered: 2, completion: ([, done]) => done });
    expect(report.stages).toEqual([{ name: 'async', path: 'async#1', capacity: 2, peak: 0 }]); // the sink never backpressures
  });

  it('rejects a materialized value that is not a promise', async () => {
    const graph = Source.range(1, 3).toMat(Sink.seq<number>(), Keep.both);
    await expect(expectBounded(graph, { maxBuffered: 1 })).rejects.toThrow(/pass `completion/);
  });

  it('rejects with the stream failure', async () => {
    const graph = Source.range(1, 3)
      .map((x) => {
        if (x === 2) throw new Error('boom');
        return x;
      })
      .async(2)
      .toMat(Sink.ignore(), Keep.right);
    await expect(expectBounded(graph, { maxBuffered: 2 })).rejects.toBeInstanceOf(StageFailure);
  });

  it('validates maxBuffered', async () => {
    await expect(expectBounded(pipeline(1), { maxBuffered: -1 })).rejects.toThrow('expectBounded: maxBuffered must be a non-negative integer, got -1');
  });

  it('runs on virtual time and keeps the caller’s observer', async () => {
    const clock = new TestClock();
    const started: string[] = [];
    const graph = Source.range(1, 20)
      .mapAsync(4, (x) => timer(10, clock).pipe(map(() => x)))
      .toMat(Sink.seq<number>(), Keep.right);
    const check = expectBounded(graph, {
      maxBuffered: 4,
      materializer: { scheduler: clock, observer: { stageStarted: (s: StageInfo) => started.push(s.name) } },
    });
    clock.advance(50);
    const report = await check;
    expect(report.stages).toEqual([{ name: 'mapAsync', path: 'mapAsync#1', capacity: 4, peak: 4 }]);
    expect(started).toContain('mapAsync');
  });
});

/** A deliberately unbounded stage: pulls eagerly and keeps everything, while claiming a capacity. */
class Hoarder extends SimpleGraphStage<FlowShape<number, number>> {
  readonly shape = new FlowShape(new Inlet<number>('hoarder.in'), new Outlet<number>('hoarder.out'));
  constructor(private readonly claimed: number) {
    super();
  }
  createLogic(ctx: StageContext): GraphStageLogic {
    const { in: inlet, out } = this.shape;
    const capacity = this.claimed;
    return new (class extends GraphStageLogic implements BufferStats {
      private readonly held: number[] = [];
      private head = 0;
      peak = 0;
      readonly capacity = capacity;
      readonly inFlight = 0;
      get buffered(): number {
        return this.held.length - this.head;
      }
      get demand(): number {
        return Math.max(0, capacity - this.buffered);
      }
      constructor() {
        super(ctx, [inlet], [out]);
        this.setHandler(inlet, {
          onPush: () => {
            this.held.push(this.grab(inlet));
            this.peak = Math.max(this.peak, this.buffered);
            this.pull(inlet);
          },
          onUpstreamFinish: () => this.flush(),
        });
        this.setHandler(out, { onPull: () => this.flush() });
      }
      override stats(): BufferStats {
        return this;
      }
      override preStart(): void {
        this.pull(inlet);
      }
      private flush(): void {
        if (this.buffered > 0 && this.isAvailable(out)) this.push(out, this.held[this.head++]!);
        if (this.buffered === 0 && this.isClosed(inlet)) this.completeStage();
      }
    })();
  }
}
