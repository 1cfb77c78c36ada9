/** The README's code, run as written (with small stand-ins for the user's own functions). */
import { Flow, Keep, KillSwitches, OverflowStrategy, Sink, Source, Supervision } from 'tributary';
import { TestClock, TestSink, TestSource, testFlow } from 'tributary/testing';

interface Order {
  readonly id: number;
  readonly bytes: number;
}
const fetchOrder = (id: number): Promise<Order> => Promise.resolve({ id, bytes: 100 * id });
const validate = (o: Order): Order => {
  if (o.id === 13) throw new Error('unlucky');
  return o;
};

describe('README tour', () => {
  it('the linear DSL examples produce what the README says', async () => {
    const out: number[] = await Source.from([1, 2, 3]).map((x) => x * 2).filter((x) => x > 2).runWith(Sink.seq());
    expect(out).toEqual([4, 6]);

    const f = Flow.create<number>().map((x) => x + 1).grouped(10);
    const done: Promise<void> = Source.range(1, 1_000_000).via(f).runWith(Sink.ignore());
    await expect(done).resolves.toBeUndefined();

    const orderIds = Array.from({ length: 20 }, (_, i) => i + 1);
    const enriched = Source.from(orderIds)
      .mapAsync(8, (id) => fetchOrder(id))
      .map(validate, { supervision: Supervision.resumingDecider })
      .groupedWeightedWithin(256 * 1024, (o) => o.bytes, 500, 50)
      .buffer(64, OverflowStrategy.backpressure);
    const batches = await enriched.runWith(Sink.seq());
    expect(batches.flat().map((o) => o.id)).toEqual(orderIds.filter((id) => id !== 13));
  });

  it('the kill switch stops an endless stream', async () => {
    async function* asyncGenerator() {
      for (let i = 0; ; i++) yield i;
    }
    const seen: number[] = [];
    const [ks, completion] = Source.from(asyncGenerator())
      .viaMat(KillSwitches.single(), Keep.right)
      .toMat(Sink.forEach((x) => void seen.push(x)), Keep.both)
      .run();
    while (seen.length < 3) await new Promise((r) => setImmediate(r));
    ks.shutdown();
    await expect(completion).resolves.toBeUndefined();
  });
});

describe('README testing section', () => {
  it('the marble example passes', () => {
    testFlow(Flow.create<string>().map((s) => s.toUpperCase()), {
      source: '-a-b-c|',
      demand: '^-1---2',
      expected: '--A---(BC|)',
    });
  });

  it('the probe example passes', () => {
    const clock = new TestClock();
    const [src, sink] = TestSource.probe<number>()
      .groupedWithin(10, 100)
      .toMat(TestSink.probe<number[]>(clock), Keep.both)
      .run(clock.materializer());
    sink.request(1);
    src.sendNext(1).sendNext(2);
    sink.expectNoMessage(99);
    clock.advance(1);
    sink.expectNext([1, 2]);
  });
});
