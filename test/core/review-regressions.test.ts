import { mergeMap, of, take, toArray } from 'rxjs';
import {
  Flow,
  FlowShape,
  GraphStageLogic,
  Inlet,
  Keep,
  KillSwitches,
  Materializer,
  NoMoreElementsNeeded,
  Outlet,
  SimpleGraphStage,
  Sink,
  SinkShape,
  Source,
  SourceShape,
  Supervision,
  type StageContext,
  type StageInfo,
  type UniqueKillSwitch,
} from 'tributary';
import { TestClock, TestSink, TestSource } from 'tributary/testing';

/** A materializer that counts how often each stage reported it stopped. */
function watched(settings: { scheduler?: TestClock } = {}) {
  const stops = new Map<StageInfo, number>();
  const started: StageInfo[] = [];
  const materializer = new Materializer({
    ...settings,
    observer: {
      stageStarted: (s) => void started.push(s),
      stageStopped: (s) => void stops.set(s, (stops.get(s) ?? 0) + 1),
    },
  });
  return {
    materializer,
    /** Stop reports of the stages named `name`, one number per stage. */
    stops: (name: string) => started.filter((s) => s.name === name).map((s) => stops.get(s) ?? 0),
  };
}

/** Regressions found in the engine review; each test failed before its fix. */
describe('engine review regressions', () => {
  describe('GraphStageLogic inlets', () => {
    it('an element and completion that arrive while onPush runs are delivered in order (mapAsync → delay)', () => {
      // delay pulls inside onPush; mapAsync answers that pull at once with its last result and completes. The
      // completion was handled before the queued element, which was then dropped as "pushed to a closed inlet".
      const clock = new TestClock();
      const probe = Source.from([0, 1, 2, 3])
        .mapAsync(1, (x) => of(x))
        .delay(5, { bufferSize: 2 })
        .runWith(TestSink.probe<number>(clock), clock.materializer());
      probe.request(10);
      clock.advance(100);
      probe.expectNext(0, 1, 2, 3).expectComplete();
    });

    it('the same with a probe upstream that holds an element and its completion', () => {
      const clock = new TestClock();
      const [src, sink] = TestSource.probe<number>()
        .delay(2, { bufferSize: 2 })
        .toMat(TestSink.probe<number>(clock), Keep.both)
        .run(clock.materializer());
      src.sendNext(0).sendNext(1);
      sink.request(1);
      src.sendNext(2).sendNext(3).sendComplete();
      sink.request(3);
      clock.advance(10);
      clock.advance(10);
      sink.expectNext(0, 1, 2, 3).expectComplete();
    });
    it('an element that races a queued cancel is dropped; the upstream sees the cancel, not a protocol error', () => {
      // The upstream had been pulled; while it runs, a kill switch downstream cancels it (queued behind a push it
      // had already queued). The push reached the cancelled inlet, which threw a StageProtocolError into the
      // upstream, so it failed instead of getting onDownstreamFinish.
      const events: string[] = [];
      let killSwitch: UniqueKillSwitch | undefined;
      let kick: (() => void) | undefined;
      class Pushy extends SimpleGraphStage<SourceShape<number>> {
        readonly shape = new SourceShape(new Outlet<number>('out'));
        createLogic(ctx: StageContext): GraphStageLogic {
          const out = this.shape.out;
          return new (class extends GraphStageLogic {
            constructor() {
              super(ctx, [], [out]);
              this.setHandler(out, {
                onPull: () => {},
                onDownstreamFinish: () => {
                  events.push('downstream finished');
                  this.completeStage();
                },
              });
              const step = this.getAsyncCallback<'stop' | 'push'>((what) => {
                if (what === 'stop') killSwitch!.shutdown();
                else if (this.isAvailable(out)) this.push(out, 1);
              });
              kick = this.getAsyncCallback<void>(() => {
                step('stop');
                step('push');
              });
            }
            override failStage(error: unknown): void {
              events.push(`failed: ${String(error)}`);
              super.failStage(error);
            }
          })();
        }
      }
      const [ks, probe] = Source.fromGraph(new Pushy())
        .viaMat(KillSwitches.single<number>(), Keep.right)
        .toMat(TestSink.probe<number>(), Keep.both)
        .run();
      killSwitch = ks;
      probe.request(1);
      kick!();
      probe.expectComplete();
      expect(events).toEqual(['downstream finished']);
    });
  });

  describe('Flow.fromOperator', () => {
    it('reports stopped when cancelled after upstream finished while output still waits', () => {
      const w = watched();
      const [src, sink] = TestSource.probe<number>()
        .via(Flow.fromOperator<number, number>(mergeMap((x) => [x, x])))
        .toMat(TestSink.probe<number>(), Keep.both)
        .run(w.materializer);
      sink.request(1);
      src.sendNext(1).sendComplete(); // the second copy waits in the stage
      sink.expectNext(1);
      sink.cancel();
      expect(w.stops('fromOperator')).toEqual([1]);
      expect(src.isCancelled).toBe(false); // upstream had finished: it is not cancelled as well
    });

    it('cancels upstream with NoMoreElementsNeeded only when the operator completes before upstream', () => {
      const [early, earlySink] = TestSource.probe<number>()
        .via(Flow.fromOperator<number, number>(take(1)))
        .toMat(TestSink.probe<number>(), Keep.both)
        .run();
      earlySink.request(2);
      early.sendNext(1);
      earlySink.expectNext(1).expectComplete();
      expect(early.expectCancellation()).toBeInstanceOf(NoMoreElementsNeeded);

      const [late, lateSink] = TestSource.probe<number>()
        .via(Flow.fromOperator<number, number[]>(toArray()))
        .toMat(TestSink.probe<number[]>(), Keep.both)
        .run();
      lateSink.request(1);
      late.sendNext(1).sendComplete();
      lateSink.expectNext([1]).expectComplete();
      late.expectNotCancelled(); // it had completed: no cancel after its completion
    });

    it('an operator function that throws fails the stream instead of throwing from run()', async () => {
      const boom = new Error('bad operator');
      const broken = Flow.fromOperator<number, number>(() => {
        throw boom;
      });
      let done: Promise<number[]> | undefined;
      expect(() => (done = Source.from([1, 2]).via(broken).runWith(Sink.seq()))).not.toThrow();
      await expect(done).rejects.toMatchObject({ stage: 'fromOperator', cause: boom });
    });
  });

  describe('errors while a stage releases resources do not escape into whoever stopped it', () => {
    it('Source.from(iterable): a generator whose finally throws, cancelled by downstream', () => {
      function* numbers(): Generator<number> {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          throw new Error('finally');
        }
      }
      const probe = Source.from(numbers()).runWith(TestSink.probe<number>());
      probe.request(1).expectNext(0);
      expect(() => probe.cancel()).not.toThrow();
    });

    it('Source.from(asyncIterable): an iterator whose return() throws synchronously', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown): void => void unhandled.push(e);
      process.on('unhandledRejection', onUnhandled);
      let i = 0;
      const iterator: AsyncIterableIterator<number> = {
        [Symbol.asyncIterator]() {
          return this;
        },
        next: async () => ({ done: false, value: i++ }),
        return: () => {
          throw new Error('close');
        },
      };
      try {
        expect(await Source.from(iterator).take(2).runWith(Sink.seq())).toEqual([0, 1]);
        await new Promise((r) => setImmediate(r));
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      expect(unhandled).toEqual([]);
    });

    it('GraphStageLogic: an error thrown by postStop is rethrown from a scheduler task', () => {
      class FailingCleanup extends SimpleGraphStage<FlowShape<number, number>> {
        readonly shape = new FlowShape(new Inlet<number>('in'), new Outlet<number>('out'));
        createLogic(ctx: StageContext): GraphStageLogic {
          const { in: inlet, out } = this.shape;
          return new (class extends GraphStageLogic {
            constructor() {
              super(ctx, [inlet], [out]);
              this.setHandler(inlet, { onPush: () => this.push(out, this.grab(inlet)) });
              this.setHandler(out, { onPull: () => this.pull(inlet) });
            }
            override postStop(): void {
              throw new Error('cleanup');
            }
          })();
        }
      }
      const clock = new TestClock();
      const [src, sink] = TestSource.probe<number>()
        .via(Flow.fromGraph(new FailingCleanup()))
        .toMat(TestSink.probe<number>(clock), Keep.both)
        .run(clock.materializer());
      expect(() => sink.cancel()).not.toThrow();
      expect(src.expectCancellation()).toBeInstanceOf(NoMoreElementsNeeded);
      expect(() => clock.tick()).toThrow(/cleanup/);
    });
  });

  describe('GraphStageLogic keep-going', () => {
    /** A sink that keeps going after upstream finished until a timer fires, then calls `end()`. */
    class SlowFlush extends SimpleGraphStage<SinkShape<number>> {
      readonly shape = new SinkShape(new Inlet<number>('in'));
      readonly events: string[] = [];
      constructor(private readonly end: (logic: GraphStageLogic) => void) {
        super();
      }
      createLogic(ctx: StageContext): GraphStageLogic {
        const { in: inlet } = this.shape;
        const { events, end } = this;
        return new (class extends GraphStageLogic {
          constructor() {
            super(ctx, [inlet], []);
            this.setHandler(inlet, {
              onPush: () => this.pull(inlet),
              onUpstreamFinish: () => this.scheduleOnce('flush', 10),
            });
          }
          override preStart(): void {
            this.setKeepGoing(true);
            this.pull(inlet);
          }
          protected override onTimer(): void {
            end(this);
          }
          override postStop(): void {
            events.push('postStop');
          }
        })();
      }
    }

    it.each([
      ['completeStage', (logic: GraphStageLogic) => logic.completeStage()],
      ['failStage', (logic: GraphStageLogic) => logic.failStage(new Error('flush failed'))],
      ['a throwing handler', () => {
        throw new Error('flush bug');
      }],
    ])('%s stops a keep-going stage whose ports are closed (as the setKeepGoing doc says)', (_, end) => {
      const clock = new TestClock();
      const stage = new SlowFlush(end);
      const w = watched({ scheduler: clock });
      Source.from([1, 2]).to(Sink.fromGraph(stage)).run(w.materializer);
      clock.advance(10);
      expect(stage.events).toEqual(['postStop']);
      expect(w.stops('SlowFlush')).toEqual([1]);
    });

    it('unfoldResourceAsync: a close that returns no ObservableInput is a close error (the read error still wins)', async () => {
      const w = watched();
      const readError = new Error('read');
      const done = Source.unfoldResourceAsync(
        async () => 'resource',
        async () => {
          throw readError;
        },
        () => 42 as never,
      ).runWith(Sink.seq(), w.materializer);
      await expect(done).rejects.toMatchObject({ stage: 'unfoldResourceAsync', cause: readError });
      expect(w.stops('unfoldResourceAsync')).toEqual([1]);
    });
  });

  describe('mapAsync family: a result that is not an ObservableInput is supervised like a failed call', () => {
    const notAnObservable = 42 as never;
    it('mapAsync resumes', async () => {
      const out = await Source.from([1, 2, 3])
        .mapAsync(2, (x) => (x === 2 ? notAnObservable : of(x)), { supervision: Supervision.resumingDecider })
        .runWith(Sink.seq());
      expect(out).toEqual([1, 3]);
    });

    it('mapAsyncUnordered resumes', async () => {
      const out = await Source.from([1, 2, 3])
        .mapAsyncUnordered(2, (x) => (x === 2 ? notAnObservable : of(x)), { supervision: Supervision.resumingDecider })
        .runWith(Sink.seq());
      expect(out).toEqual([1, 3]);
    });

    it('mapAsyncPartitioned resumes', async () => {
      const out = await Source.from([1, 2, 3])
        .mapAsyncPartitioned(2, (x) => x % 2, (x) => (x === 2 ? notAnObservable : of(x)), {
          supervision: Supervision.resumingDecider,
        })
        .runWith(Sink.seq());
      expect(out).toEqual([1, 3]);
    });

    it('without supervision the stream fails with the mapAsync stage named', async () => {
      const done = Source.from([1, 2]).mapAsync(1, () => notAnObservable).runWith(Sink.seq());
      await expect(done).rejects.toMatchObject({ stage: 'mapAsync', cause: expect.any(TypeError) });
    });
  });
});
