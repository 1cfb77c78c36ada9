import { EMPTY, Subject, of } from 'rxjs';
import { Keep, Sink, Source, StageFailure } from 'tributary';
import { TestSink } from 'tributary/testing';

/** A resource whose open/read/close are Subjects the test settles by hand, with counters. */
function controlled() {
  const c = {
    opens: 0,
    reads: 0,
    closes: 0,
    closedWith: [] as string[],
    open: new Subject<string>(),
    read: new Subject<number | undefined>(),
    close: new Subject<void>(),
  };
  const source = Source.unfoldResourceAsync(
    () => (c.opens++, (c.open = new Subject<string>())),
    () => (c.reads++, (c.read = new Subject<number | undefined>())),
    (r) => (c.closes++, c.closedWith.push(r), (c.close = new Subject<void>())),
  );
  const probe = source.runWith(TestSink.probe<number>());
  return { c, probe };
}

describe('Source.unfoldResourceAsync', () => {
  it('opens at start, reads one element per pull, closes once at the end and completes after close', () => {
    const { c, probe } = controlled();
    expect(c.opens).toBe(1);
    c.open.next('res');
    expect(c.reads).toBe(0); // no demand yet
    probe.request(1);
    expect(c.reads).toBe(1);
    c.read.next(1);
    probe.expectNext(1).expectNoMessage();
    expect(c.reads).toBe(1); // backpressure: no read without demand
    probe.request(2);
    c.read.next(2);
    probe.expectNext(2);
    expect(c.reads).toBe(3); // one demand left: the next read runs
    c.read.next(undefined);
    expect(c.closes).toBe(1);
    expect(c.closedWith).toEqual(['res']);
    probe.expectNoMessage(); // completion waits for close to settle
    c.close.next();
    probe.expectComplete();
    expect(c.closes).toBe(1);
  });

  it('reads lazily when demand arrives before the resource is open', () => {
    const { c, probe } = controlled();
    probe.request(1);
    expect(c.reads).toBe(0);
    c.open.next('res');
    expect(c.reads).toBe(1);
    c.read.next(7);
    probe.expectNext(7);
    probe.cancel();
    expect(c.closes).toBe(1);
  });

  it('closes once when downstream cancels while idle', () => {
    const { c, probe } = controlled();
    c.open.next('res');
    probe.cancel();
    expect(c.closes).toBe(1);
    c.close.next();
    expect(c.closes).toBe(1);
    expect(c.reads).toBe(0);
  });

  it('closes after open settles when cancelled while opening', () => {
    const { c, probe } = controlled();
    probe.cancel();
    expect(c.closes).toBe(0);
    c.open.next('late');
    expect(c.closes).toBe(1);
    expect(c.closedWith).toEqual(['late']);
    expect(c.reads).toBe(0);
  });

  it('closes after read settles when cancelled while reading, dropping the element', () => {
    const { c, probe } = controlled();
    c.open.next('res');
    probe.request(1);
    probe.cancel();
    expect(c.closes).toBe(0);
    c.read.next(5);
    expect(c.closes).toBe(1);
    expect(probe.received).toEqual([]);
  });

  it('closes once when a read in flight fails after cancel', () => {
    const { c, probe } = controlled();
    c.open.next('res');
    probe.request(1);
    probe.cancel();
    c.read.error(new Error('late failure'));
    expect(c.closes).toBe(1);
    probe.expectNoMessage();
  });

  it('does not close when open fails, and fails the stream', () => {
    const { c, probe } = controlled();
    const boom = new Error('cannot open');
    c.open.error(boom);
    const failure = probe.expectFailure();
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure).toMatchObject({ stage: 'unfoldResourceAsync', cause: boom });
    expect(c.closes).toBe(0);
  });

  it('fails when open throws synchronously', async () => {
    let closes = 0;
    const boom = new Error('sync open');
    const p = Source.unfoldResourceAsync(
      () => {
        throw boom;
      },
      () => of(1),
      () => void closes++,
    ).runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'unfoldResourceAsync', cause: boom });
    expect(closes).toBe(0);
  });

  it('closes and then fails with the read error when read fails', () => {
    const { c, probe } = controlled();
    const boom = new Error('read failed');
    c.open.next('res');
    probe.request(1);
    c.read.error(boom);
    expect(c.closes).toBe(1);
    probe.expectNoMessage(); // failure is signalled once the resource is released
    c.close.next();
    expect(probe.expectError()).toBe(boom);
    expect(c.closes).toBe(1);
  });

  it('keeps the read error when close fails too', () => {
    const { c, probe } = controlled();
    const boom = new Error('read failed');
    c.open.next('res');
    probe.request(1);
    c.read.error(boom);
    c.close.error(new Error('close failed'));
    expect(probe.expectError()).toBe(boom);
  });

  it('fails with the close error when close fails at completion', () => {
    const { c, probe } = controlled();
    const closeError = new Error('close failed');
    c.open.next('res');
    probe.request(1);
    c.read.next(undefined);
    c.close.error(closeError);
    const failure = probe.expectFailure();
    expect(failure).toMatchObject({ stage: 'unfoldResourceAsync', cause: closeError });
  });

  it('closes when read throws synchronously and when close throws synchronously', async () => {
    let closes = 0;
    const readError = new Error('sync read');
    const p1 = Source.unfoldResourceAsync(
      () => Promise.resolve('r'),
      () => {
        throw readError;
      },
      () => void closes++,
    ).runWith(Sink.seq());
    await expect(p1).rejects.toMatchObject({ cause: readError });
    expect(closes).toBe(1);

    const closeError = new Error('sync close');
    const p2 = Source.unfoldResourceAsync(
      () => Promise.resolve('r'),
      async () => undefined,
      () => {
        closes++;
        throw closeError;
      },
    ).runWith(Sink.seq());
    await expect(p2).rejects.toMatchObject({ stage: 'unfoldResourceAsync', cause: closeError });
    expect(closes).toBe(2);
  });

  it('accepts close results that are void, a promise or an observable completing without a value', async () => {
    for (const close of [() => undefined, () => Promise.resolve(), () => EMPTY, () => of('done')]) {
      let n = 0;
      const out = await Source.unfoldResourceAsync(
        async () => 'r',
        async () => (n < 3 ? ++n : undefined),
        close,
      ).runWith(Sink.seq());
      expect(out).toEqual([1, 2, 3]);
    }
  });

  it('closes exactly once when take cancels it (promises)', async () => {
    let opens = 0;
    let closes = 0;
    let n = 0;
    const [, done] = Source.unfoldResourceAsync(
      async () => (opens++, { id: 1 }),
      async () => ++n,
      async () => void closes++,
    )
      .take(3)
      .toMat(Sink.seq(), Keep.both)
      .run();
    expect(await done).toEqual([1, 2, 3]);
    await new Promise((r) => setImmediate(r));
    expect([opens, closes, n]).toEqual([1, 1, 3]);
  });

  it('validates its functions', () => {
    expect(() => Source.unfoldResourceAsync(() => of(1), () => of(1), null as never)).toThrow(
      /Source\.unfoldResourceAsync: close must be a function, got null/,
    );
  });
});
