import { GraphStage, GraphStageLogic, Outlet, Sink, Source, SourceShape, SubSinkInlet, SubSourceOutlet, type StageContext } from 'tributary';

/**
 * Regression (engine): `SubSourceOutlet.complete()`/`fail()` called before `materialize()` was lost (the port had no
 * downstream yet), so the sub-stream's sink never finished; `SubSinkInlet.cancel()` before `materialize()` likewise
 * never reached the sub-source, which then stayed running. The signal is now delivered once the sub-stream runs.
 */
type Early = 'complete' | 'fail' | 'cancel';

class EarlySignal extends GraphStage<SourceShape<number>, { readonly sub: Promise<unknown>; cancelled: () => boolean }> {
  readonly shape = new SourceShape(new Outlet<number>('out'));

  constructor(private readonly early: Early) {
    super();
  }

  createLogicAndMaterializedValue(ctx: StageContext) {
    const out = this.shape.out;
    const early = this.early;
    let sub!: Promise<unknown>;
    let cancelled = false;
    const logic = new (class extends GraphStageLogic {
      constructor() {
        super(ctx, [], [out]);
        this.setHandler(out, { onPull: () => undefined });
      }
      override preStart(): void {
        if (early === 'cancel') {
          const inlet = new SubSinkInlet<number>(this, 'sub-in', { onPush: () => undefined, onUpstreamFinish: () => undefined });
          inlet.cancel();
          const source = Source.repeat(1).watchTermination((_l, done) => void done.then(() => (cancelled = true), () => (cancelled = true)));
          inlet.materialize(source.blueprint);
          sub = Promise.resolve();
        } else {
          const outlet = new SubSourceOutlet<number>(this, 'sub-out', { onPull: () => undefined, onDownstreamFinish: () => undefined });
          if (early === 'complete') outlet.complete();
          else outlet.fail(new Error('early failure'));
          sub = outlet.materialize(Sink.seq<number>().blueprint) as Promise<unknown>;
        }
        this.completeStage();
      }
    })();
    return { logic, mat: { get sub() { return sub; }, cancelled: () => cancelled } };
  }
}

describe('sub-ports: a terminal signal given before materialize()', () => {
  /** How `p` settled by the next macrotask (a lost signal leaves it pending instead of hanging the test). */
  async function settledSoon(p: Promise<unknown>): Promise<unknown> {
    const pending = Symbol('pending');
    const next = new Promise((resolve) => setImmediate(() => resolve(pending)));
    return Promise.race([p.then((value) => ({ value }), (error: Error) => ({ error: error.message })), next]).then((r) => (r === pending ? 'pending' : r));
  }

  it('SubSourceOutlet.complete() reaches the sub-stream', async () => {
    const [mat, done] = Source.fromGraph(new EarlySignal('complete')).toMat(Sink.ignore(), (l, r) => [l, r] as const).run();
    await done;
    expect(await settledSoon(mat.sub)).toEqual({ value: [] });
  });

  it('SubSourceOutlet.fail() reaches the sub-stream', async () => {
    const [mat, done] = Source.fromGraph(new EarlySignal('fail')).toMat(Sink.ignore(), (l, r) => [l, r] as const).run();
    await done;
    expect(await settledSoon(mat.sub)).toEqual({ error: 'early failure' });
  });

  it('SubSinkInlet.cancel() cancels the sub-source', async () => {
    const [mat, done] = Source.fromGraph(new EarlySignal('cancel')).toMat(Sink.ignore(), (l, r) => [l, r] as const).run();
    await done;
    await new Promise((resolve) => setImmediate(resolve));
    expect(mat.cancelled()).toBe(true);
  });
});
