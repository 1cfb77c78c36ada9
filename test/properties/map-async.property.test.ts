import fc from 'fast-check';
import { Observable, type Subscriber } from 'rxjs';
import { Keep, Source } from 'tributary';
import { TestSink } from 'tributary/testing';
import { RUNS, watchedMaterializer } from './arbitraries';

/** A step of the test: complete the call at `pick` (modulo the calls in flight), or request `n` results. */
type Step = { readonly kind: 'resolve'; readonly pick: number } | { readonly kind: 'request'; readonly n: number };

const plans = fc.array(
  fc.oneof(
    fc.nat(20).map<Step>((pick) => ({ kind: 'resolve', pick })),
    fc.integer({ min: 1, max: 4 }).map<Step>((n) => ({ kind: 'request', n })),
  ),
  { maxLength: 80 },
);

/** Calls whose completion the test controls, counting how many are in flight at once. */
class Calls {
  readonly open: Array<{ readonly x: number; readonly subscriber: Subscriber<number> }> = [];
  started = 0;
  inFlight = 0;
  maxInFlight = 0;

  call = (x: number): Observable<number> =>
    new Observable<number>((subscriber) => {
      this.open.push({ x, subscriber });
      this.started++;
      this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
      return () => this.inFlight--;
    });

  resolve(pick: number): void {
    if (this.open.length === 0) return;
    const [{ x, subscriber }] = this.open.splice(pick % this.open.length, 1);
    subscriber.next(x * 10);
    subscriber.complete();
  }
}

describe.each([
  { name: 'mapAsync', ordered: true },
  { name: 'mapAsyncUnordered', ordered: false },
])('$name with random completion orders and random demand', ({ ordered }) => {
  it(ordered ? 'emits results in input order' : 'emits every result exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 1, max: 5 }), plans, (n, parallelism, plan) => {
        const calls = new Calls();
        const watch = watchedMaterializer();
        const input = Array.from({ length: n }, (_, i) => i);
        const source = Source.from(input);
        const sink = (ordered ? source.mapAsync(parallelism, calls.call) : source.mapAsyncUnordered(parallelism, calls.call))
          .toMat(TestSink.probe<number>(), Keep.right)
          .run(watch.materializer);

        for (const step of plan) {
          if (step.kind === 'resolve') calls.resolve(step.pick);
          else sink.request(step.n);
          expect(calls.inFlight).toBeLessThanOrEqual(parallelism);
        }
        sink.request(n + 1);
        while (calls.open.length > 0) calls.resolve(0);

        const out = sink.expectNextN(n);
        sink.expectComplete();
        const expected = input.map((x) => x * 10);
        if (ordered) expect(out).toEqual(expected);
        else expect([...out].sort((a, b) => a - b)).toEqual(expected);
        expect(calls.maxInFlight).toBeLessThanOrEqual(parallelism);
        expect(calls.inFlight).toBe(0);
        expect(watch.overCapacity()).toEqual([]);
      }),
      RUNS,
    );
  });

  it('holds exactly parallelism calls and results when nothing is consumed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(20), { maxLength: 30 }), (parallelism, picks) => {
        const calls = new Calls();
        const source = Source.range(1, 100);
        const sink = (ordered ? source.mapAsync(parallelism, calls.call) : source.mapAsyncUnordered(parallelism, calls.call))
          .toMat(TestSink.probe<number>(), Keep.right)
          .run();
        for (const pick of picks) calls.resolve(pick); // nobody requests: results pile up inside the stage
        expect(calls.started).toBe(parallelism); // no more (bounded), no fewer (it keeps pulling while it has room)
        expect(sink.unread).toBe(0);
        sink.cancel();
        expect(calls.inFlight).toBe(0); // cancellation released every open call
      }),
      RUNS,
    );
  });
});
