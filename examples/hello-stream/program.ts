/**
 * A self-contained Tributary job: it runs on built-in defaults with no setup, completes by itself and prints what
 * it did. It simulates a change feed (orders created and updated), enriches each change with an async lookup,
 * batches by count and time, "publishes" the batches to a slow sink, and reports the buffer counters that prove
 * the run stayed bounded.
 *
 * Run it with `npm start`.
 */
import { Materializer, Sink, Source, Supervision, type StageInfo } from 'tributary';

interface Change {
  readonly seq: number;
  readonly op: 'c' | 'u' | 'd';
  readonly orderId: number;
  readonly amount: number;
}

/** A finite, deterministic change feed: 5 000 changes over 500 orders. */
function* changeFeed(count: number): Generator<Change> {
  for (let seq = 1; seq <= count; seq++) {
    const orderId = seq % 500;
    yield { seq, op: seq <= 500 ? 'c' : seq % 97 === 0 ? 'd' : 'u', orderId, amount: (seq * 7919) % 1000 };
  }
}

/** Stands in for a customer-service lookup (an async call with a little latency). */
function lookupCustomer(orderId: number): Promise<string> {
  return new Promise((resolve) => setImmediate(() => resolve(`customer-${orderId % 37}`)));
}

/** Stands in for a message broker: each publish takes one event-loop turn. */
async function publish(batch: readonly unknown[]): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  published += batch.length;
}
let published = 0;

async function main(): Promise<void> {
  const stages: StageInfo[] = [];
  const materializer = new Materializer({ observer: { stageStarted: (s) => void stages.push(s) } });
  const started = process.hrtime.bigint();

  let rejected = 0;
  const batches = Source.from(changeFeed(5_000))
    .filter((c) => c.amount > 0)
    .mapAsync(8, async (c) => ({ ...c, customer: await lookupCustomer(c.orderId) }))
    .map(
      (c) => {
        if (c.op === 'd' && c.amount > 500) throw new Error(`order ${c.orderId}: refusing to delete an order worth ${c.amount}`);
        return c;
      },
      {
        supervision: () => {
          rejected++;
          return Supervision.resume;
        },
      },
    )
    .groupedWithin(100, 20)
    .mapAsync(1, async (batch) => {
      await publish(batch);
      return batch.length;
    })
    .named('orders-demo')
    .runWith(Sink.fold(0, (n: number) => n + 1), materializer);

  const batchCount = await batches;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`read 5000 changes, published ${published} in ${batchCount} batches, skipped ${rejected} rejected by validation (supervision: resume), in ${ms.toFixed(0)} ms`);
  console.log('buffers (capacity / peak):');
  for (const s of stages) if (s.stats) console.log(`  ${s.path.padEnd(32)} ${s.stats.capacity} / ${s.stats.peak}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
