/**
 * The quickstart job (`npm start`): a change feed of an orders table → enrich each change with its customer's
 * segment (an async lookup) → batches by count and time → NDJSON files under `./.quickstart-output`, hosted by
 * `createHost()` exactly as a stream job runs in Kubernetes, but on built-in defaults: no environment needed.
 *
 *   npm start                                   # 5 000 changes, then a summary; exits 0
 *   npm start -- --follow                       # an endless feed until Ctrl-C (drains, exits 0)
 *   STREAMCONTEXT_SPEC_OVERRIDE='{"changes":20000}' npm start
 */
import { DrainingControl, Keep, KillSwitches, Source } from 'tributary';
import { createHost } from 'tributary/hosting';
import { ndjsonFileSink, type NdjsonFileSummary } from 'tributary/sinks/file';
import { z } from 'zod';
import { orderChanges, type OrderChange } from './demo-feed';

const Spec = z.object({
  /** Changes to read before the job ends (ignored with `--follow`). */
  changes: z.number().int().positive().default(5_000),
  /** Changes per second with `--follow`. */
  followRatePerSecond: z.number().int().positive().default(200),
  batchSize: z.number().int().positive().default(250),
  batchWindowMs: z.number().int().positive().default(500),
  linesPerFile: z.number().int().positive().default(1_000),
  outputDir: z.string().min(1).default('.quickstart-output'),
});

const follow = process.argv.includes('--follow');

/** Stands in for a customer service: an async lookup, and a connection to close at shutdown. */
class CustomerDirectory {
  lookups = 0;
  segmentOf(customerId: number): Promise<'retail' | 'business' | 'vip'> {
    this.lookups++;
    return new Promise((resolve) => setImmediate(() => resolve(customerId % 50 === 0 ? 'vip' : customerId % 5 === 0 ? 'business' : 'retail')));
  }
}

void createHost({ name: 'quickstart' })
  .addDatadogLogging()
  .addStreamContext(Spec, { defaults: { spec: {}, streamId: 'quickstart-orders', streamKind: 'DemoOrders', backfill: false } })
  .configureServices((services) =>
    services.singleton('customers', () => new CustomerDirectory(), {
      dispose: (customers) => services.get('logger').info(`customer directory closed after ${customers.lookups} lookups`),
    }),
  )
  .addStreamGraphBuilder((ctx, services) => {
    const { spec } = ctx;
    const logger = services.get('logger');
    const customers = services.get('customers');
    const started = Date.now();
    let changes = 0;
    let reported = 0;
    const reportEvery = follow ? 1 : 1_000; // following: a line per batch
    const feed = follow
      ? Source.from(orderChanges(Infinity)).throttle(spec.followRatePerSecond, 1_000)
      : Source.from(orderChanges(spec.changes));
    logger.info(follow ? 'following the orders feed until Ctrl-C' : `reading ${spec.changes} changes`, { outputDir: spec.outputDir });

    const report = (summary: NdjsonFileSummary): NdjsonFileSummary => {
      const seconds = (Date.now() - started) / 1_000;
      logger.info(
        `done: ${summary.lines} changes in ${summary.files.length} files under ${spec.outputDir} ` +
          `(${(summary.bytes / 1024).toFixed(0)} KiB, ${seconds.toFixed(1)} s)`,
        { lines: summary.lines, files: summary.files.length, bytes: summary.bytes },
      );
      return summary;
    };

    return feed
      .viaMat(KillSwitches.single(), Keep.right)
      .mapAsync(8, async (change: OrderChange) => ({ ...change, segment: await customers.segmentOf(change.after.customerId) }))
      .groupedWithin(spec.batchSize, spec.batchWindowMs)
      .map((batch) => {
        changes += batch.length;
        if (changes - reported >= reportEvery) {
          reported = changes;
          logger.info(`progress: ${changes} changes (last lsn ${batch[batch.length - 1]!.lsn})`);
        }
        return batch;
      })
      .toMat(ndjsonFileSink({ directory: spec.outputDir, prefix: 'orders', maxLinesPerFile: spec.linesPerFile }), Keep.both)
      .mapMaterializedValue(([killSwitch, written]) => DrainingControl.create(killSwitch, written.then(report)));
  })
  .build()
  .runAndExit();
