import { GraphStage, GraphStageLogic, Outlet, Sink, Source, SourceShape, SubSinkInlet, type StageContext } from 'tributary';

/**
 * Regression (engine): a logic kept every `SubSinkInlet` it ever created, so stages opening sub-streams one after
 * another (flatMapConcat, RestartSource, recoverWithRetries) grew without bound. Closed ports are now pruned.
 */
class SequentialSubStreams extends GraphStage<SourceShape<number>, { readonly liveSubPorts: () => number }> {
  readonly shape = new SourceShape(new Outlet<number>('out'));

  constructor(private readonly count: number) {
    super();
  }

  createLogicAndMaterializedValue(ctx: StageContext) {
    const out = this.shape.out;
    const count = this.count;
    const logic = new (class extends GraphStageLogic {
      private opened = 0;
      constructor() {
        super(ctx, [], [out]);
        this.setHandler(out, { onPull: () => this.next() });
      }
      private next(): void {
        if (this.opened === count) return this.completeStage();
        const n = ++this.opened;
        const sub: SubSinkInlet<number> = new SubSinkInlet<number>(this, 'sub', {
          onPush: () => this.push(out, sub.grab()),
          onUpstreamFinish: () => {
            if (this.isAvailable(out)) this.next();
          },
        });
        sub.materialize(Source.single(n).blueprint);
        sub.pull();
      }
    })();
    const liveSubPorts = (): number => (logic as unknown as { subPorts: unknown[] }).subPorts.length;
    return { logic, mat: { liveSubPorts } };
  }
}

describe('GraphStageLogic sub-ports', () => {
  it('are released after they close, so sequential sub-streams use bounded memory', async () => {
    const [mat, done] = Source.fromGraph(new SequentialSubStreams(5_000)).toMat(Sink.fold(0, (a, x: number) => a + x), (l, r) => [l, r] as const).run();
    expect(await done).toBe((5_000 * 5_001) / 2);
    expect(mat.liveSubPorts()).toBeLessThanOrEqual(32);
  });
});
