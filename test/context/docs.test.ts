/** The examples of docs/context.md, run as written (with small stand-ins for the user's own functions). */
import {
  Committer,
  DrainingControl,
  Flow,
  FlowWithContext,
  Keep,
  KillSwitches,
  RestartSource,
  RetryFlow,
  Sink,
  Source,
  type Committable,
} from 'tributary';
import { flush } from './helpers';

interface Offset {
  readonly table: string;
  readonly lsn: number;
}
interface Change {
  readonly table: string;
  readonly op: 'insert' | 'noop';
  readonly offset: Offset;
}

function world(count: number) {
  const saved: Offset[][] = [];
  const sent: string[] = [];
  const checkpoints = { save: async (offsets: readonly Offset[]) => void saved.push([...offsets]) };
  const bus = {
    send: (m: string) =>
      new Promise<string>((resolve) =>
        setImmediate(() => {
          sent.push(m);
          resolve(m);
        }),
      ),
  };
  const tables = ['orders', 'audit', 'items'];
  const changes = Source.from(
    Array.from({ length: count }, (_, i): Change => {
      const table = tables[i % 3]!;
      return { table, op: i % 5 === 4 ? 'noop' : 'insert', offset: { table, lsn: i } };
    }),
  );
  const toMessage = (c: Change): string => `${c.table}@${c.offset.lsn}`;
  return { saved, sent, checkpoints, bus, changes, toMessage };
}

describe('docs/context.md', () => {
  it('quick start: commits after the sends, and drains on shutdown', async () => {
    const { saved, sent, checkpoints, bus, changes, toMessage } = world(30);
    const committable: Committable<Offset> = {
      partitionOf: (o) => o.table,
      commit: (offsets) => checkpoints.save(offsets),
    };
    const control = changes
      .viaMat(KillSwitches.single(), Keep.right)
      .asSourceWithContext((c) => c.offset)
      .filter((c) => c.table !== 'audit')
      .mapAsync(8, (c) => bus.send(toMessage(c)))
      .toMat(Committer.sinkWithContext(committable, { maxBatch: 500, maxIntervalMs: 1_000 }), DrainingControl.create)
      .run();
    await control.drainAndShutdown();
    // Everything read before the drain was sent, and the offset of the last send of each table committed.
    const lastSent = new Map(sent.map((m) => m.split('@')).map(([table, lsn]) => [table!, Number(lsn)]));
    expect(lastSent.size).toBeGreaterThan(0);
    expect(new Map(saved.flat().map((o) => [o.table, o.lsn]))).toEqual(lastSent);
    expect(lastSent.has('audit')).toBe(false);
  });

  it('flows with context, grouped contexts flattened for the committer', async () => {
    const { saved, checkpoints, bus, changes, toMessage } = world(10);
    const committable: Committable<Offset> = { partitionOf: (o) => o.table, commit: (o) => checkpoints.save(o) };
    const publish = FlowWithContext.create<Change, Offset>()
      .filter((c) => c.op !== 'noop')
      .map(toMessage)
      .mapAsync(8, (m) => bus.send(m));
    const batches = changes.asSourceWithContext((c) => c.offset).via(publish).grouped(100);
    await batches.asSource().mapConcat(([, offsets]) => offsets).toMat(Committer.sink(committable), Keep.right).run();
    expect(saved).toEqual([
      [
        { table: 'orders', lsn: 6 },
        { table: 'audit', lsn: 7 },
        { table: 'items', lsn: 8 },
      ],
    ]);
  });

  it('Committer.flow reports each commit', async () => {
    const { checkpoints } = world(0);
    const committable: Committable<Offset> = { partitionOf: (o) => o.table, commit: (o) => checkpoints.save(o) };
    const lines: string[] = [];
    const log = { info: (s: string) => void lines.push(s) };
    const offsets = Source.from([1, 2, 3].map((lsn) => ({ table: 't', lsn })));
    await offsets
      .via(Committer.flow(committable, { maxBatch: 100, parallelism: 4 }))
      .runWith(Sink.forEach((r) => log.info(`committed ${r.acknowledged} offsets: ${r.offsets.map((o) => o.lsn)}`)));
    expect(lines).toEqual(['committed 3 offsets: 3']);
  });

  it('tracker: out-of-order acknowledgements commit everything on drain', async () => {
    const { saved, checkpoints, changes, toMessage } = world(40);
    const committable: Committable<Offset> = { partitionOf: (o) => o.table, commit: (o) => checkpoints.save(o) };
    const bus = {
      // Sends finish out of order: each takes 0–2 event-loop turns.
      send: async (m: string) => {
        for (let i = Number(m.split('@')[1]) % 3; i > 0; i--) await flush();
      },
    };
    const tracker = Committer.track(committable, { maxDeferred: 1000 });
    const control = changes
      .viaMat(KillSwitches.single(), Keep.right)
      .asSourceWithContext((c) => c.offset)
      .via(tracker.flow<Change>().map(toMessage))
      .asSource()
      .mapAsyncUnordered(16, async ([message, offset]) => {
        await bus.send(message);
        return offset;
      })
      .toMat(Committer.sink(committable, { tracker }), DrainingControl.create)
      .run();
    await control.streamCompletion;
    expect(new Map(saved.flat().map((o) => [o.table, o.lsn]))).toEqual(
      new Map([
        ['orders', 39],
        ['audit', 37],
        ['items', 38],
      ]),
    );
  });

  it('retry examples compose with contexts', async () => {
    const { saved, checkpoints, changes } = world(6);
    const committable: Committable<Offset> = { partitionOf: (o) => o.table, commit: (o) => checkpoints.save(o) };
    const tries = new Map<number, number>();
    const publish = FlowWithContext.create<Change, Offset>().map((c) => {
      const n = (tries.get(c.offset.lsn) ?? 0) + 1;
      tries.set(c.offset.lsn, n);
      return { ok: n > 1 };
    });
    const lastCommitted = () => -1;
    const source = RestartSource.onFailuresWithBackoff({ minBackoffMs: 1, maxBackoffMs: 1, randomFactor: 0 }, () =>
      changes.filter((c) => c.offset.lsn > lastCommitted()),
    ).asSourceWithContext((c) => c.offset);
    await source
      .via(RetryFlow.withBackoffAndContext(1, 10, 0.2, 5, publish, ([c, o], [res]) => (res.ok ? undefined : [c, o])))
      .toMat(Committer.sinkWithContext(committable), Keep.right)
      .run();
    expect([...tries.values()]).toEqual([2, 2, 2, 2, 2, 2]);
    expect(saved.flat()).toHaveLength(3);

    const client = { send: (m: number) => (m % 2 ? Promise.resolve() : Promise.reject(new Error('busy'))) };
    const send = Flow.create<number>().mapAsync(1, (m) => client.send(m).then(() => ({ ok: true }), (e: unknown) => ({ ok: false, e })));
    const out = await Source.from([1, 3])
      .via(RetryFlow.withBackoff(1, 10, 0.2, 5, send, (msg, res) => (res.ok ? undefined : msg)))
      .runWith(Sink.seq());
    expect(out).toEqual([{ ok: true }, { ok: true }]);
    await flush();
  });
});
