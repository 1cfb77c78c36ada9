/** docs/substreams.md's examples, run as written (with small stand-ins for the user's own data and functions). */
import {
  BroadcastHub,
  Flow,
  Keep,
  Materializer,
  MergeHub,
  PartitionHub,
  Sink,
  Source,
  type NotUsed,
  type SubstreamStats,
} from 'tributary';

interface Order {
  readonly customer: string;
  readonly amount: number;
}
interface Change {
  readonly table: string;
  readonly id: number;
}
const orders: Order[] = [
  { customer: 'ada', amount: 3 },
  { customer: 'bob', amount: 5 },
  { customer: 'ada', amount: 4 },
];
const changes: Change[] = Array.from({ length: 1_200 }, (_, id) => ({ table: ['orders', 'invoices'][id % 2]!, id }));
const writeBatch = async (batch: Change[]): Promise<number> => batch.length;
const events = Array.from({ length: 100 }, (_, i) => ({ userId: `u${i % 13}`, seq: i }));
const apply = async (e: { userId: string; seq: number }) => e;
const search = (term: string): string[] => [`${term}-1`, `${term}-2`];
const searchTerms = Source.from(['a', 'b']);

describe('docs/substreams.md', () => {
  it('SubFlow', async () => {
    const totals: Source<[string, number], NotUsed> = Source.from(orders)
      .groupBy(100, (o) => o.customer)
      .fold<[string, number]>(['', 0], ([, sum], o) => [o.customer, sum + o.amount])
      .mergeSubstreams();
    expect(new Map(await totals.runWith(Sink.seq()))).toEqual(new Map<string, number>([['ada', 7], ['bob', 5]]));
  });

  it('groupBy', async () => {
    const written = Source.from(changes)
      .groupBy(64, (c) => c.table, { idleTimeoutMs: 60_000 })
      .groupedWithin(500, 1_000)
      .mapAsync(1, (batch) => writeBatch(batch))
      .mergeSubstreams();
    expect((await written.runWith(Sink.seq())).reduce((a, b) => a + b, 0)).toBe(1_200);

    const perUserInOrder = Source.from(events)
      .groupBy(8, (e) => e.userId, { overflow: { hashLanes: 8 } })
      .mapAsync(1, (e) => apply(e))
      .mergeSubstreams();
    const out = await perUserInOrder.runWith(Sink.seq());
    expect(out).toHaveLength(100);
    for (const user of new Set(events.map((e) => e.userId))) {
      const seqs = out.filter((e) => e.userId === user).map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });

  it('splitWhen / splitAfter', async () => {
    const records = Source.from(['#a', '1', '2', '#b', '3'])
      .splitWhen((line) => line.startsWith('#'))
      .fold([] as string[], (acc, line) => [...acc, line])
      .concatSubstreams();
    expect(await records.runWith(Sink.seq())).toEqual([['#a', '1', '2'], ['#b', '3']]);
    const statements = Source.from(['a', 'b;', 'c;'])
      .splitAfter((t) => t.endsWith(';'))
      .fold('', (s, t) => s + t)
      .concatSubstreams();
    expect(await statements.runWith(Sink.seq())).toEqual(['ab;', 'c;']);
  });

  it('flatMapPrefix, prefixAndTail, switchMap', async () => {
    const rows = Source.from(['id,name', '1,ada', '2,bob']).flatMapPrefix(1, ([header]) => {
      const columns = header!.split(',');
      return Flow.create<string>().drop(1).map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v])));
    });
    expect(await rows.runWith(Sink.seq())).toEqual([{ id: '1', name: 'ada' }, { id: '2', name: 'bob' }]);

    const withHeader = Source.from(['h', 'x', 'y'])
      .prefixAndTail(1)
      .flatMapConcat(([[header], tail]) => tail.map((line) => `${header}:${line}`));
    expect(await withHeader.runWith(Sink.seq())).toEqual(['h:x', 'h:y']);

    const latestResults = searchTerms.switchMap((term) => Source.from(search(term)));
    expect(await latestResults.runWith(Sink.seq())).toEqual(['a-1', 'a-2', 'b-1', 'b-2']);
  });

  it('hubs', async () => {
    const [toLog, logged] = MergeHub.source<string>(16).take(4).toMat(Sink.seq(), Keep.both).run();
    Source.from(['a1', 'a2']).runWith(toLog);
    Source.from(['b1', 'b2']).runWith(toLog);
    expect([...(await logged)].sort()).toEqual(['a1', 'a2', 'b1', 'b2']);

    const [publish, subscribe] = MergeHub.source<string>(16).toMat(BroadcastHub.sink<string>(256), Keep.both).run();
    const received = subscribe.take(2).runWith(Sink.seq());
    Source.from(['hello', 'world']).runWith(publish);
    expect(await received).toEqual(['hello', 'world']);

    const workers = Source.range(1, 6).runWith(PartitionHub.sink<number>((n, x) => x % n, 2, 16));
    const [first, second] = [workers.runWith(Sink.seq()), workers.runWith(Sink.seq())];
    expect(await Promise.all([first, second])).toEqual([[2, 4, 6], [1, 3, 5]]);
  });

  it('boundedness and stats', async () => {
    let groupByStats: SubstreamStats | undefined;
    const materializer = new Materializer({
      observer: { stageStarted: (s) => void (s.name === 'groupBy' && (groupByStats = s.stats as SubstreamStats)) },
    });
    await Source.range(1, 1_000).groupBy(4, (x) => x % 10, { overflow: 'backpressure' }).take(1)
      .mergeSubstreams().runWith(Sink.ignore(), materializer);
    expect(groupByStats!.openSubstreams).toBe(0);
    expect(groupByStats!.substreamsOpened).toBe(1_000);
  });
});
