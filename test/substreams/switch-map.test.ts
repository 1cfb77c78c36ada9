import { Keep, Sink, Source, StageFailure } from 'tributary';
import { TestSink, TestSource, type SourceProbe } from 'tributary/testing';

function probes() {
  const inners: SourceProbe<string>[] = [];
  const [up, sink] = TestSource.probe<number>()
    .switchMap(() => TestSource.probe<string>().mapMaterializedValue((p) => void inners.push(p)))
    .toMat(TestSink.probe<string>(), Keep.both)
    .run();
  return { up, sink, inners };
}

describe('switchMap', () => {
  it('emits the elements of the inner source of the latest element', async () => {
    expect(await Source.range(1, 3).switchMap((x) => Source.from([x, x * 10])).runWith(Sink.seq())).toEqual([1, 10, 2, 20, 3, 30]);
  });

  it('cancels the running inner source when a new element arrives, dropping the element it held', () => {
    const { up, sink, inners } = probes();
    up.sendNext(1);
    inners[0]!.sendNext('a1').sendNext('a2');
    sink.request(1).expectNext('a1'); // a2 is now held, pulled ahead
    up.sendNext(2);
    inners[0]!.expectCancellation();
    inners[1]!.sendNext('b1');
    sink.request(1).expectNext('b1');
  });

  it('pulls the inner source one element ahead of downstream and never backpressures upstream', () => {
    const { up, sink, inners } = probes();
    up.sendNext(1);
    inners[0]!.sendNext('a').sendNext('b').sendNext('c');
    expect(inners[0]!.pending).toBe(2);
    up.expectRequest();
    sink.request(1).expectNext('a');
    expect(inners[0]!.pending).toBe(1);
  });

  it('completes when upstream and the current inner source completed', () => {
    const { up, sink, inners } = probes();
    sink.request(5);
    up.sendNext(1).sendComplete();
    inners[0]!.sendNext('x');
    sink.expectNext('x').expectNoMessage();
    inners[0]!.sendComplete();
    sink.expectComplete();
  });

  it('fails when the inner source or upstream fails, cancelling the other', () => {
    const { up, sink, inners } = probes();
    up.sendNext(1);
    const boom = new Error('inner');
    inners[0]!.sendError(boom);
    expect(sink.expectError()).toBe(boom);
    up.expectCancellation();

    const second = probes();
    second.up.sendNext(1).sendError(new Error('up'));
    expect(String(second.sink.expectError())).toMatch(/up/);
    second.inners[0]!.expectCancellation();
  });

  it('fails with a StageFailure when f throws or does not return a Source', async () => {
    const failure = await Source.single(1)
      .switchMap(() => {
        throw new Error('f');
      })
      .runWith(Sink.seq())
      .then(() => undefined, (e: unknown) => e as StageFailure);
    expect(failure?.stage).toBe('switchMap');
    const wrong = await Source.single(1)
      .switchMap(() => 42 as never)
      .runWith(Sink.seq())
      .then(() => undefined, (e: unknown) => e as StageFailure);
    expect(String(wrong?.cause)).toMatch(/switchMap: the function must return a Source, got number/);
  });

  it('cancelling downstream cancels upstream and the inner source', () => {
    const { up, sink, inners } = probes();
    up.sendNext(1);
    sink.cancel();
    up.expectCancellation();
    inners[0]!.expectCancellation();
  });

  it('validates f', () => {
    expect(() => Source.single(1).switchMap(undefined as never)).toThrow(/switchMap: f must be a function/);
  });
});
