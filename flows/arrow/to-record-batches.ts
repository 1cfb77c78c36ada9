/**
 * `toRecordBatches`: rows (plain objects or change events) → Arrow `RecordBatch`es, by count, size and time, on
 * the engine's author API (a `GraphStageLogic` with a timer on the materializer's scheduler).
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import {
  Flow, FlowShape, FlowWithContext, GraphStage, GraphStageLogic, Inlet, Outlet, type BufferStats, type StageContext,
} from 'tributary';
import { BufferCounters } from '../../src/core/buffer-counters';
import { requireFunction, requirePositiveDuration, requirePositiveInt } from '../../src/core/validate';
import { BatchBuilder } from './batch-builder';
import { SchemaChangedError } from './errors';
import { RowShaper, type RowTarget, type ShaperOptions } from './row-shaper';
import { schemaFingerprint } from './schema-identity';

/** A schema change seen by `toRecordBatches`. */
export interface SchemaChange {
  /** The schema of the batches before. */
  readonly previous: Schema;
  /** The schema of the batches from now on. */
  readonly next: Schema;
  /** What differs, e.g. `field 'price' changed from Float64 to Utf8`. */
  readonly reason: string;
  /** The position in the stream of the first element with the new schema (0-based). */
  readonly element: number;
}

/** Options of `toRecordBatches`. Give exactly one of `schema`, `inferFrom: 'first'` and `columnsFn`. */
export interface ToRecordBatchesOptions extends ShaperOptions {
  /** A batch is emitted once it holds this many rows (default 10 000). */
  readonly maxRows?: number;
  /** … or once its buffers hold about this many bytes (default 8 MiB). */
  readonly maxBytes?: number;
  /** … or this long after its first row arrived (default 1 000 ms), so a slow stream still moves. */
  readonly maxDelayMs?: number;
  /**
   * What a schema change does: `'new-batch'` (default) emits the rows so far and starts a batch with the new
   * schema; `'fail'` fails the stream with `SchemaChangedError`.
   */
  readonly schemaChange?: 'new-batch' | 'fail';
  /** Called (inside the stage) before the first row of a new schema is batched; a throw fails the stream. */
  readonly onSchemaChange?: (change: SchemaChange) => void;
}

interface Resolved {
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly maxDelayMs: number;
  readonly options: ToRecordBatchesOptions;
}

const FLUSH = 'maxDelay';

class ToRecordBatchesLogic<In, Out> extends GraphStageLogic {
  private readonly shaper: RowShaper;
  private builder: BatchBuilder | undefined;
  private contexts: unknown[] = [];
  private ready: Out | undefined;
  private readyRows = 0;
  private due = false;
  private upstreamDone = false;
  private index = 0;
  private hint: number;
  /** The schema of the last batch sealed (the "previous" schema when the builder is empty). */
  private lastSchema: Schema | undefined;
  private readonly counters: BufferCounters;

  constructor(
    ctx: StageContext,
    private readonly shape: FlowShape<In, Out>,
    private readonly settings: Resolved,
    private readonly withContext: boolean,
  ) {
    super(ctx, [shape.in], [shape.out]);
    this.shaper = new RowShaper(ctx.name, settings.options);
    this.hint = Math.min(settings.maxRows, 1024);
    this.counters = new BufferCounters(
      2 * settings.maxRows,
      () => (this.builder?.rows ?? 0) + this.readyRows,
      undefined,
      () => !this.isStopped,
    );
    this.setHandler(shape.in, {
      onPush: () => this.onElement(this.grab(shape.in)),
      onUpstreamFinish: () => {
        this.upstreamDone = true;
        this.pump();
      },
    });
    this.setHandler(shape.out, { onPull: () => this.pump() });
  }

  override stats(): BufferStats {
    return this.counters;
  }

  override preStart(): void {
    this.pull(this.shape.in); // fill the first batch before downstream asks
  }

  protected override onTimer(): void {
    this.due = true;
    this.pump();
  }

  private onElement(element: In): void {
    const [row, context] = this.withContext ? (element as unknown as [unknown, unknown]) : [element, undefined];
    const index = this.index++;
    let target: RowTarget;
    try {
      const shaped = this.shaper.shape(row, index);
      target = shaped.target;
      if (shaped.change !== undefined) this.schemaChanged(shaped.change, index);
    } catch (e) {
      this.failStage(e);
      return;
    }
    if (this.isStopped) return;
    if (!this.builder) {
      this.builder = new BatchBuilder(target.schema, target.kinds, this.hint);
      this.scheduleOnce(FLUSH, this.settings.maxDelayMs);
    }
    const refused = this.builder.append(this.shaper.values);
    if (refused >= 0) {
      this.failStage(this.shaper.refusal(target, refused, index));
      return;
    }
    if (this.withContext) this.contexts.push(context);
    this.counters.sample();
    this.pump();
  }

  /** Seals the rows of the old schema (they are emitted first) and reports the change. */
  private schemaChanged(reason: string, index: number): void {
    const previous = this.builder?.schema ?? this.lastSchema;
    const next = this.shaper.target!.schema;
    if (previous !== undefined) {
      if (this.settings.options.schemaChange === 'fail') {
        throw new SchemaChangedError(
          `${this.ctx.name}: the schema changed at element #${index}: ${reason}`,
          reason,
          schemaFingerprint(previous),
          schemaFingerprint(next),
        );
      }
      this.settings.options.onSchemaChange?.({ previous, next, reason, element: index });
    }
    if (this.builder && this.builder.rows > 0) this.seal();
    this.builder = undefined;
  }

  private get full(): boolean {
    const b = this.builder;
    return b !== undefined && (b.rows >= this.settings.maxRows || b.bytes >= this.settings.maxBytes);
  }

  /** Emits what is ready, seals the batch when due, pulls when there is room, completes when all is out. */
  private pump(): void {
    const out = this.shape.out;
    for (;;) {
      if (this.ready !== undefined) {
        if (!this.isAvailable(out)) break;
        const batch = this.ready;
        this.ready = undefined;
        this.readyRows = 0;
        this.push(out, batch);
        continue;
      }
      const rows = this.builder?.rows ?? 0;
      if (rows > 0 && (this.full || this.due || this.upstreamDone)) {
        this.seal();
        continue;
      }
      break;
    }
    if (this.ready !== undefined) return;
    if (this.upstreamDone) {
      this.completeStage();
      return;
    }
    if (!this.full) this.tryPull(this.shape.in);
  }

  private seal(): void {
    const builder = this.builder!;
    const batch = builder.finish();
    this.lastSchema = builder.schema;
    this.hint = Math.min(this.settings.maxRows, Math.max(this.hint, builder.rows));
    this.readyRows = builder.rows;
    this.ready = (this.withContext ? [batch, this.contexts] : batch) as Out;
    this.builder = undefined;
    this.contexts = [];
    this.due = false;
    this.cancelTimer(FLUSH);
  }
}

class ToRecordBatchesStage<In, Out> extends GraphStage<FlowShape<In, Out>> {
  readonly shape = new FlowShape(new Inlet<In>('toRecordBatches.in'), new Outlet<Out>('toRecordBatches.out'));
  constructor(
    private readonly settings: Resolved,
    private readonly withContext: boolean,
  ) {
    super();
  }
  override get name(): string {
    return 'toRecordBatches';
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: new ToRecordBatchesLogic<In, Out>(ctx, this.shape, this.settings, this.withContext), mat: undefined };
  }
}

function resolve(options: ToRecordBatchesOptions): Resolved {
  const op = 'toRecordBatches';
  if (options === null || typeof options !== 'object') throw new TypeError(`${op}: options must be an object`);
  new RowShaper(op, options); // validates the schema options now, at blueprint creation
  if (options.schemaChange !== undefined && options.schemaChange !== 'new-batch' && options.schemaChange !== 'fail') {
    throw new TypeError(`${op}: schemaChange must be 'new-batch' or 'fail', got ${JSON.stringify(options.schemaChange)}`);
  }
  if (options.onSchemaChange !== undefined) requireFunction(op, 'onSchemaChange', options.onSchemaChange);
  return {
    maxRows: requirePositiveInt(op, 'maxRows', options.maxRows ?? 10_000),
    maxBytes: requirePositiveInt(op, 'maxBytes', options.maxBytes ?? 8 * 1024 * 1024),
    maxDelayMs: requirePositiveDuration(op, 'maxDelayMs', options.maxDelayMs ?? 1_000),
    options,
  };
}

/**
 * Batches rows into Arrow `RecordBatch`es. Rows are plain objects (`{ column: value }`) or change events
 * (`{ op, before, after, source, id }`), which are flattened into `op, commit_lsn, seqval, commit_time,
 * source_table, event_id` followed by the columns of `after` (of `before` for deletes).
 *
 * Values are stored without loss or they fail the stream naming the field: `int64` takes bigints, safe integers
 * and integer text; decimals take text, numbers or bigints with no more digits than declared; timestamps take
 * ISO-8601 text (with a zone for zoned columns, without for wall-clock ones), `Date`s or epoch numbers in the
 * unit; `binary` takes bytes or base64 text.
 *
 * A schema change (another `columnsFn` schema, another table, or — with `inferFrom: 'first'` — a row with a new,
 * missing or differently typed field) ends the current batch and starts one with the new schema: the change is
 * reported to `onSchemaChange`, and the batches' schemas carry a different fingerprint (`schemaFingerprint`).
 * Values are never converted to fit the old schema. With `schemaChange: 'fail'` the stream fails instead.
 *
 * - Emits when: a batch holds `maxRows` rows or `maxBytes` bytes, `maxDelayMs` after its first row, before a
 *   schema change, and when upstream completes.
 * - Backpressures when: a finished batch waits for downstream (at most one finished batch and one being filled).
 * - Completes when: upstream completes and the last batch was emitted. Fails when: a row does not fit a fixed
 *   schema (`RecordBatchSchemaError`), the schema changes under `'fail'`, or upstream fails.
 *
 * @example
 * Source.from(rows).via(toRecordBatches({ inferFrom: 'first', maxRows: 50_000 })).runWith(lakeSink({ store, format: 'parquet', streamId: 'orders' }))
 */
export function toRecordBatches<T = Record<string, unknown>>(options: ToRecordBatchesOptions): Flow<T, RecordBatch> {
  return Flow.fromGraph(new ToRecordBatchesStage<T, RecordBatch>(resolve(options), false));
}

/**
 * `toRecordBatches` for elements with a context (e.g. a CDC offset): each batch carries the contexts of its rows,
 * in order, so a sink can acknowledge them once the batch is stored.
 * @example
 * cdc.via(toRecordBatchesWithContext({ columnsFn: (e) => columnsByTable[e.source.table] })).via(lakeFlowWithContext({ store, format: 'parquet', streamId }))
 */
export function toRecordBatchesWithContext<T, Ctx>(
  options: ToRecordBatchesOptions,
): FlowWithContext<T, Ctx, RecordBatch, readonly Ctx[]> {
  const flow = Flow.fromGraph(new ToRecordBatchesStage<[T, Ctx], [RecordBatch, readonly Ctx[]]>(resolve(options), true));
  return FlowWithContext.fromTuples(flow);
}
