/**
 * CDC → data lake: a change feed of two tables → Arrow record batches (one schema per table) → Parquet files
 * under a local folder, with every change's log position checkpointed only once its file is committed. Hosted
 * by `createHost()` exactly as a stream job runs in Kubernetes, on built-in defaults: no environment needed.
 *
 *   npm run build && node dist/examples/cdc-to-lake/program.js        # 20 000 changes into .cdc-to-lake-output/
 *   node dist/examples/cdc-to-lake/program.js                         # again: resumes after the checkpoint
 *   STREAMCONTEXT__BACKFILL=true STREAMCONTEXT__SPEC='{"outputDir":".cdc-to-lake-output/backfill"}' \
 *     node dist/examples/cdc-to-lake/program.js                       # a backfill: files under backfill/ + _COMPLETED
 *   STREAMCONTEXT_SPEC_OVERRIDE='{"changes":100000,"format":"arrow-ipc-file"}' node dist/examples/cdc-to-lake/program.js
 *
 * Ctrl-C drains: batches in flight are written, their files committed, their positions checkpointed.
 */
import { join } from 'node:path';
import { CheckpointCommitter, Committer, DrainingControl, FileCheckpointStore, Keep, KillSwitches, Source, type PartitionOffsets } from 'tributary';
import { toRecordBatchesWithContext } from 'tributary/flows/arrow';
import { createHost } from 'tributary/hosting';
import { lakeFlowWithContext, localStore, type LakeSummary } from 'tributary/sinks/blob';
import { z } from 'zod';
import { TABLE_COLUMNS, changesAfter, type DemoChange } from './demo-feed';

const Spec = z.object({
  /** The feed's length: the job reads up to this log position and completes. */
  changes: z.number().int().positive().default(20_000),
  format: z.enum(['parquet', 'arrow-ipc-file', 'arrow-ipc-stream', 'ndjson']).default('parquet'),
  outputDir: z.string().min(1).default('.cdc-to-lake-output'),
  /** Rows per record batch, and how long a partial batch may wait. */
  batchRows: z.number().int().positive().default(5_000),
  batchDelayMs: z.number().int().positive().default(1_000),
  /** Files roll at this many rows, or this long after they were opened. */
  maxRowsPerFile: z.number().int().positive().default(25_000),
  maxFileAgeMs: z.number().int().positive().default(10_000),
});

void createHost({ name: 'cdc-to-lake' })
  .addDatadogLogging()
  .addStreamContext(Spec, { defaults: { spec: {}, streamId: 'shop-lake', streamKind: 'DemoCdc', backfill: false } })
  .addStreamGraphBuilder(async (ctx, services) => {
    const { spec } = ctx;
    const logger = services.get('logger');
    const checkpoints = new FileCheckpointStore<PartitionOffsets<number>>({ directory: join(spec.outputDir, 'checkpoints') });
    // The feed's order is kept end to end, so one partition holds the position everything before is stored.
    const committer = CheckpointCommitter.perPartition(checkpoints, ctx.streamId, { partitionOf: () => 'feed', compare: (a, b) => a - b });
    const resumeAfter = (await committer.load())?.offsets['feed'] ?? 0;
    const lake = join(spec.outputDir, 'lake');
    logger.info(
      resumeAfter >= spec.changes
        ? `nothing to do: position ${resumeAfter} is checkpointed already (raise spec.changes, or delete ${spec.outputDir})`
        : `reading changes ${resumeAfter + 1}…${spec.changes} into ${lake} as ${spec.format}${ctx.isBackfilling ? ' (backfill)' : ''}`,
    );
    const started = Date.now();

    const report = (summary: LakeSummary): LakeSummary => {
      const seconds = (Date.now() - started) / 1_000;
      logger.info(
        `done: ${summary.rows} rows in ${summary.files} files (${(summary.bytes / 1024).toFixed(0)} KiB, ${seconds.toFixed(1)} s)` +
          (summary.completionMarker ? `; backfill complete: ${summary.completionMarker}` : ''),
        { rows: summary.rows, files: summary.files, bytes: summary.bytes },
      );
      return summary;
    };

    const logged = new Set<string>(); // files already reported (contexts of one file may come in several runs)
    return Source.from(changesAfter(resumeAfter, spec.changes))
      .viaMat(KillSwitches.single(), Keep.right)
      .asSourceWithContext((change: DemoChange) => change.position)
      .via(
        toRecordBatchesWithContext<DemoChange, number>({
          columnsFn: (change: DemoChange) => TABLE_COLUMNS[change.source.table!]!,
          maxRows: spec.batchRows,
          maxDelayMs: spec.batchDelayMs,
          onSchemaChange: (c) => logger.debug(`schema change at element #${c.element}: ${c.reason}`),
        }),
      )
      .viaMat(
        lakeFlowWithContext<number>({
          store: localStore(lake),
          format: spec.format,
          streamId: ctx.streamId,
          backfill: ctx.isBackfilling,
          interruption: services.get('lifetime'),
          schemaFile: true,
          maxRowsPerFile: spec.maxRowsPerFile,
          maxFileAgeMs: spec.maxFileAgeMs,
        }),
        Keep.both,
      )
      .map((file) => {
        if (file && !logged.has(file.path)) {
          if (logged.size >= 64) logged.delete(logged.values().next().value!);
          logged.add(file.path);
          logger.info(`committed ${file.path} (${file.rows} rows of ${file.table}, ${(file.bytes / 1024).toFixed(0)} KiB)`);
        }
        return file;
      })
      .toMat(Committer.sinkWithContext(committer, { maxBatch: 10_000, maxIntervalMs: 1_000 }), ([killSwitch, written], committed) =>
        DrainingControl.create(killSwitch, committed.then(() => written).then(report)),
      );
  })
  .build()
  .runAndExit();
