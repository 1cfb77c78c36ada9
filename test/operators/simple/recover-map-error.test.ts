import { Sink, Source, StageFailure, rootCause } from 'tributary';
import { Boom, harness } from './probe-harness';

class Mapped extends Error {
  override readonly name = 'Mapped';
}

describe('recover', () => {
  it('passes elements through and completes normally', async () => {
    expect(await Source.from([1, 2]).recover(() => 0).runWith(Sink.seq())).toEqual([1, 2]);
  });

  it('on failure emits f(original error) and completes', async () => {
    const seen: unknown[] = [];
    const boom = new Boom('x');
    const out = await Source.from([1, 2])
      .map((x) => { if (x === 2) throw boom; return x; })
      .recover((e) => { seen.push(e); return -1; })
      .runWith(Sink.seq());
    expect(out).toEqual([1, -1]);
    expect(seen).toEqual([boom]);
  });

  it('passes the original failure on when f returns undefined', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.recover(() => undefined));
    const boom = new Boom('up');
    src.sendError(boom);
    expect(sink.expectFailure()).toBe(boom);
    expect(stops('recover')).toBe(1);
  });

  it('waits for demand to emit the recovered element', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.recover(() => 42));
    sink.request(1);
    src.sendNext(1);
    sink.expectNext(1);
    src.sendError(new Boom('up'));
    sink.expectNoMessage();
    sink.request(1).expectNext(42).expectComplete();
    expect(stops('recover')).toBe(1);
  });

  it('fails with a StageFailure naming recover when f throws', () => {
    const { src, sink } = harness<number, number>((s) => s.recover(() => { throw new Mapped('f'); }));
    src.sendError(new Boom('up'));
    const failure = sink.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'recover', cause: expect.any(Mapped) });
  });

  it('backpressures with downstream and cancels upstream on cancellation', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.recover(() => 0));
    src.expectNoRequest();
    sink.request(1);
    src.sendNext(1);
    sink.expectNext(1);
    src.expectNoRequest();
    sink.cancel();
    src.expectCancellation();
    expect(stops('recover')).toBe(1);
  });

  it('cancellation while the recovered element waits stops once', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.recover(() => 0));
    src.sendError(new Boom('up'));
    sink.cancel();
    sink.expectNoMessage();
    expect(stops('recover')).toBe(1);
  });

  it('validates f', () => {
    expect(() => Source.from([1]).recover(1 as never)).toThrow(/recover: f must be a function, got number/);
  });
});

describe('mapError', () => {
  it('passes elements and completion through', async () => {
    expect(await Source.from([1, 2]).mapError(() => new Mapped('m')).runWith(Sink.seq())).toEqual([1, 2]);
  });

  it('fails with f(original error), as a failure of the mapError stage', async () => {
    const seen: unknown[] = [];
    const boom = new Boom('x');
    const p = Source.from([1])
      .map(() => { throw boom; })
      .mapError((e) => { seen.push(e); return new Mapped('mapped', { cause: e }); })
      .runWith(Sink.seq());
    await expect(p).rejects.toBeInstanceOf(StageFailure);
    await expect(p).rejects.toMatchObject({ stage: 'mapError', cause: expect.any(Mapped) });
    expect(seen).toEqual([boom]);
    const error = await p.catch((e: unknown) => e);
    expect((rootCause(error) as Mapped).cause).toBe(boom);
  });

  it('keeps the original failure when f returns undefined', () => {
    const { src, sink } = harness<number, number>((s) => s.mapError(() => undefined));
    const boom = new Boom('up');
    src.sendError(boom);
    expect(sink.expectFailure()).toBe(boom);
  });

  it('fails with the error f throws', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.mapError(() => { throw new Mapped('thrown'); }));
    src.sendError(new Boom('up'));
    expect(sink.expectFailure()).toMatchObject({ stage: 'mapError', cause: expect.any(Mapped) });
    expect(stops('mapError')).toBe(1);
  });

  it('backpressures with downstream and cancels upstream on cancellation', () => {
    const { src, sink, stops } = harness<number, number>((s) => s.mapError((e) => e));
    src.expectNoRequest();
    sink.request(1);
    src.sendNext(1);
    sink.expectNext(1);
    src.expectNoRequest();
    sink.cancel();
    src.expectCancellation();
    expect(stops('mapError')).toBe(1);
  });

  it('validates f', () => {
    expect(() => Source.from([1]).mapError(null as never)).toThrow(/mapError: f must be a function, got null/);
  });
});
