import {
  Flow,
  FlowShape,
  GraphStageLogic,
  Inlet,
  Keep,
  Materializer,
  Outlet,
  SimpleGraphStage,
  Sink,
  Source,
  SourceShape,
  StageProtocolError,
  rootCause,
  type StageContext,
} from 'tributary';
import { TestClock, TestSink, TestSource } from 'tributary/testing';

/** Emits every second element: a minimal operator written on the author API. */
class EverySecond<T> extends SimpleGraphStage<FlowShape<T, T>> {
  readonly shape = new FlowShape(new Inlet<T>('everySecond.in'), new Outlet<T>('everySecond.out'));
  createLogic(ctx: StageContext): GraphStageLogic {
    const { in: inlet, out } = this.shape;
    let odd = false;
    return new (class extends GraphStageLogic {
      constructor() {
        super(ctx, [inlet], [out]);
        this.setHandler(inlet, {
          onPush: () => {
            const x = this.grab(inlet);
            odd = !odd;
            if (odd) this.pull(inlet);
            else this.push(out, x);
          },
        });
        this.setHandler(out, { onPull: () => this.pull(inlet) });
      }
    })();
  }
}

/** A source that emits `count` numbers, one per `periodMs` tick, using the logic's timers. */
class Ticks extends SimpleGraphStage<SourceShape<number>> {
  readonly shape = new SourceShape(new Outlet<number>('ticks.out'));
  constructor(
    private readonly count: number,
    private readonly periodMs: number,
  ) {
    super();
  }
  createLogic(ctx: StageContext): GraphStageLogic {
    const { out } = this.shape;
    const { count, periodMs } = this;
    return new (class extends GraphStageLogic {
      private n = 0;
      constructor() {
        super(ctx, [], [out]);
        this.setHandler(out, { onPull: () => {} });
      }
      override preStart(): void {
        this.schedulePeriodically('tick', periodMs);
      }
      protected override onTimer(): void {
        this.emit(out, this.n++);
        if (this.n === count) this.complete(out);
      }
    })();
  }
}

describe('GraphStage operator-author API', () => {
  it('a flow stage pulls, grabs and pushes with backpressure', () => {
    const [src, sink] = TestSource.probe<string>()
      .via(Flow.fromGraph(new EverySecond<string>()))
      .toMat(TestSink.probe<string>(), Keep.both)
      .run();
    src.expectNoRequest();
    sink.request(1);
    src.sendNext('a').sendNext('b').sendNext('c');
    sink.expectNext('b');
    src.expectNoRequest(); // 'c' is held until the next pull
    sink.request(1);
    src.sendNext('d').sendComplete();
    sink.expectNext('d').expectComplete();
  });

  it('timers run on the materializer scheduler (virtual time) and emit queues until pulled', () => {
    const clock = new TestClock();
    const sink = Source.fromGraph(new Ticks(3, 100)).runWith(TestSink.probe<number>(clock), clock.materializer());
    sink.expectNoMessage(99);
    clock.advance(1);
    sink.expectNoMessage(); // emitted into the outlet's queue, not pulled yet
    sink.request(1).expectNext(0);
    clock.advance(200);
    sink.request(5).expectNext(1, 2).expectComplete();
  });

  it('protocol violations fail the stage with a clear error', async () => {
    class PushTwice extends SimpleGraphStage<FlowShape<number, number>> {
      readonly shape = new FlowShape(new Inlet<number>('in'), new Outlet<number>('out'));
      createLogic(ctx: StageContext): GraphStageLogic {
        const { in: inlet, out } = this.shape;
        return new (class extends GraphStageLogic {
          constructor() {
            super(ctx, [inlet], [out]);
            this.setHandler(inlet, {
              onPush: () => {
                const x = this.grab(inlet);
                this.push(out, x);
                this.push(out, x);
              },
            });
            this.setHandler(out, { onPull: () => this.pull(inlet) });
          }
        })();
      }
    }
    const p = Source.range(1, 3).via(Flow.fromGraph(new PushTwice())).runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'PushTwice' });
    const cause = rootCause(await p.catch((e) => e));
    expect(cause).toBeInstanceOf(StageProtocolError);
    expect(String((cause as Error).message)).toContain('before it is pulled');
  });

  it('async callbacks re-enter safely from promises', async () => {
    class Later extends SimpleGraphStage<FlowShape<number, number>> {
      readonly shape = new FlowShape(new Inlet<number>('in'), new Outlet<number>('out'));
      createLogic(ctx: StageContext): GraphStageLogic {
        const { in: inlet, out } = this.shape;
        return new (class extends GraphStageLogic {
          constructor() {
            super(ctx, [inlet], [out]);
            const done = this.getAsyncCallback<number>((x) => this.push(out, x));
            this.setHandler(inlet, {
              onPush: () => {
                const x = this.grab(inlet);
                void Promise.resolve(x * 3).then(done);
              },
              onUpstreamFinish: () => this.completeStage(),
            });
            this.setHandler(out, { onPull: () => this.pull(inlet) });
          }
        })();
      }
    }
    expect(await Source.range(1, 4).via(Flow.fromGraph(new Later())).runWith(Sink.seq())).toEqual([3, 6, 9, 12]);
  });

  it('long synchronous runs yield to the event loop every syncLimit elements', async () => {
    let yields = 0;
    const m = new Materializer({
      syncLimit: 100,
      yieldTo: (fn: () => void) => {
        yields++;
        setImmediate(fn);
      },
    });
    const out = await Source.from((async function* () { for (let i = 0; i < 10; i++) yield i; })()).runWith(Sink.seq(), m);
    expect(out).toHaveLength(10);
    let count = 0;
    await Source.range(1, 1000).runWith(Sink.forEach(() => count++), m);
    expect(count).toBe(1000);
    expect(yields).toBeGreaterThanOrEqual(9);
  });
});
