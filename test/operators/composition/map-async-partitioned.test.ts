import { map, Subject, timer } from 'rxjs';
import { Keep, Materializer, Sink, Source, StageFailure, Supervision, type StageInfo } from 'tributary';
import { TestClock, TestSink, TestSource } from 'tributary/testing';

interface Call {
  readonly element: string;
  readonly key: string;
  readonly result: Subject<string>;
}

/** Elements are `key:n`; each call returns a Subject the test settles. */
function setup(parallelism: number, options?: Parameters<Source<string, void>['mapAsyncPartitioned']>[3]) {
  const calls: Call[] = [];
  const stages: StageInfo[] = [];
  const materializer = new Materializer({ observer: { stageStarted: (s) => void (s.stats && stages.push(s)) } });
  const [up, sink] = TestSource.probe<string>()
    .mapAsyncPartitioned(
      parallelism,
      (x) => x.split(':')[0]!,
      (element, key) => {
        const result = new Subject<string>();
        calls.push({ element, key, result });
        return result;
      },
      options,
    )
    .toMat(TestSink.probe<string>(), Keep.both)
    .run(materializer);
  const call = (element: string): Call => {
    const c = calls.find((x) => x.element === element);
    if (!c) throw new Error(`no call for ${element}; calls: ${calls.map((x) => x.element).join(', ')}`);
    return c;
  };
  const stats = () => stages.find((s) => s.name === 'mapAsyncPartitioned')!.stats!;
  return { up, sink, calls, call, stats };
}

describe('mapAsyncPartitioned', () => {
  it('emits results in input order', () => {
    const clock = new TestClock();
    const sink = Source.range(1, 30)
      .mapAsyncPartitioned(
        4,
        (x) => x % 3,
        (x) => timer((31 - x) % 4, clock).pipe(map(() => x * 10)),
      )
      .runWith(TestSink.probe<number>(clock), clock.materializer());
    sink.request(30);
    clock.advance(1_000);
    expect(sink.expectNextN(30)).toEqual(Array.from({ length: 30 }, (_, i) => (i + 1) * 10));
    sink.expectComplete();
  });

  it('runs at most one call per key, starting the next when the previous settled', () => {
    const { up, sink, calls, call } = setup(8);
    up.sendNext('a:1').sendNext('a:2').sendNext('b:1').sendNext('a:3');
    expect(calls.map((c) => c.element)).toEqual(['a:1', 'b:1']);
    expect(call('a:1').key).toBe('a');
    call('a:1').result.next('A1');
    expect(calls.map((c) => c.element)).toEqual(['a:1', 'b:1', 'a:2']);
    call('a:2').result.next('A2');
    expect(calls.map((c) => c.element)).toEqual(['a:1', 'b:1', 'a:2', 'a:3']);
    call('a:3').result.next('A3');
    sink.request(4);
    sink.expectNext('A1', 'A2').expectNoMessage(); // b:1 is still running and comes before a:3
    call('b:1').result.next('B1');
    sink.expectNext('B1', 'A3');
  });

  it('bounds waiting + running + finished elements by parallelism (backpressure) and exposes BufferStats', () => {
    const { up, sink, call, stats } = setup(3);
    up.sendNext('a:1').sendNext('a:2').sendNext('b:1').sendNext('c:1').sendNext('d:1');
    expect(up.pending).toBe(2);
    up.expectNoRequest();
    expect(stats()).toMatchObject({ capacity: 3, inFlight: 2, buffered: 1, demand: 0, peak: 3 });
    call('a:1').result.next('A1'); // finished, but not emitted: still counts
    expect(up.pending).toBe(2);
    expect(stats()).toMatchObject({ inFlight: 2, buffered: 1 });
    sink.request(1).expectNext('A1');
    expect(up.pending).toBe(1); // c:1 taken in
    expect(stats().peak).toBe(3);
  });

  it('completes when upstream completed and every result was emitted', () => {
    const { up, sink, call } = setup(4);
    sink.request(5);
    up.sendNext('a:1').sendNext('b:1').sendComplete();
    sink.expectNoMessage();
    call('b:1').result.next('B1');
    sink.expectNoMessage();
    call('a:1').result.next('A1');
    sink.expectNext('A1', 'B1').expectComplete();
  });

  it('fails with a StageFailure when a call fails, cancelling upstream and unsubscribing calls in flight', () => {
    const { up, sink, call } = setup(4);
    up.sendNext('a:1').sendNext('b:1');
    const boom = new Error('publish failed');
    call('b:1').result.error(boom);
    const failure = sink.expectFailure() as StageFailure;
    expect(failure).toBeInstanceOf(StageFailure);
    expect(failure.stage).toBe('mapAsyncPartitioned');
    expect(failure.cause).toBe(boom);
    up.expectCancellation();
    expect(call('a:1').result.observed).toBe(false);
  });

  it('resume drops the failed element and starts the key\'s next one', () => {
    const { up, sink, calls, call } = setup(4, { supervision: Supervision.resumingDecider });
    sink.request(3);
    up.sendNext('a:1').sendNext('a:2').sendNext('b:1');
    call('a:1').result.error(new Error('bad'));
    expect(calls.map((c) => c.element)).toEqual(['a:1', 'b:1', 'a:2']);
    call('b:1').result.next('B1');
    sink.expectNoMessage(); // a:2 comes first
    call('a:2').result.next('A2');
    sink.expectNext('A2', 'B1');
  });

  it('applies supervision to a throwing partition function', async () => {
    const partition = (x: number) => {
      if (x === 2) throw new Error('no key');
      return x % 2;
    };
    const resumed = await Source.range(1, 4)
      .mapAsyncPartitioned(2, partition, async (x) => x, { supervision: Supervision.resumingDecider })
      .runWith(Sink.seq());
    expect(resumed).toEqual([1, 3, 4]);
    const stopped = Source.range(1, 4).mapAsyncPartitioned(2, partition, async (x) => x).runWith(Sink.seq());
    await expect(stopped).rejects.toMatchObject({ stage: 'mapAsyncPartitioned', cause: new Error('no key') });
  });

  it('passes the key to f and fails on a synchronous throw', async () => {
    const seen: Array<[number, string]> = [];
    const out = await Source.from([1, 2, 3])
      .mapAsyncPartitioned(2, (x) => (x % 2 ? 'odd' : 'even'), async (x, key) => (seen.push([x, key]), x))
      .runWith(Sink.seq());
    expect(out).toEqual([1, 2, 3]);
    expect(seen).toEqual([[1, 'odd'], [2, 'even'], [3, 'odd']]);
    const p = Source.single(1)
      .mapAsyncPartitioned(1, () => 'k', () => {
        throw new Error('sync');
      })
      .runWith(Sink.seq());
    await expect(p).rejects.toMatchObject({ stage: 'mapAsyncPartitioned', cause: new Error('sync') });
  });

  it('downstream cancel cancels upstream and unsubscribes the calls in flight', () => {
    const { up, sink, call } = setup(4);
    up.sendNext('a:1').sendNext('b:1');
    expect(call('a:1').result.observed).toBe(true);
    sink.cancel();
    up.expectCancellation();
    expect(call('a:1').result.observed).toBe(false);
    expect(call('b:1').result.observed).toBe(false);
  });

  it('validates its arguments', () => {
    const s = Source.single(1);
    expect(() => s.mapAsyncPartitioned(0, (x) => x, async (x) => x)).toThrow(/mapAsyncPartitioned: parallelism must be a positive integer, got 0/);
    expect(() => s.mapAsyncPartitioned(1, 'k' as never, async (x) => x)).toThrow(/mapAsyncPartitioned: partition must be a function/);
    expect(() => s.mapAsyncPartitioned(1, (x) => x, undefined as never)).toThrow(/mapAsyncPartitioned: f must be a function/);
  });
});
