/**
 * NDJSON: one JSON object per line, values in the lossless text forms of `rowsOf` (int64 and decimals as text,
 * timestamps as ISO-8601, binary as base64, non-finite floats as "NaN"/"Infinity"). Not self-describing: decode
 * with the file's schema (e.g. from the sink's schema file) to get the exact types back; without one, types
 * are inferred from the values (text stays text).
 */
import { Type, type RecordBatch, type Schema } from 'apache-arrow';
import { BatchBuilder } from '../batch-builder';
import { expected } from '../column-builders';
import { kindsOf } from '../column-types';
import { FormatError } from '../errors';
import { RowShaper } from '../row-shaper';
import { rowsOf } from '../rows';
import { show } from '../values';
import type { BatchEncoder, DecodeInput, Format } from './format';

function encodeBatch(batch: RecordBatch): Uint8Array {
  const floats = batch.schema.fields.filter((f) => f.type.typeId === Type.Float).map((f) => f.name);
  let text = '';
  for (const row of rowsOf(batch, { binary: 'base64' })) {
    for (const name of floats) {
      const v = row[name];
      if (typeof v === 'number' && !Number.isFinite(v)) row[name] = String(v);
    }
    text += `${JSON.stringify(row)}\n`;
  }
  return Buffer.from(text, 'utf8');
}

/** The lines of the input, split across chunk boundaries. */
async function* linesOf(input: DecodeInput): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = input instanceof Uint8Array ? [input] : input;
  for await (const chunk of chunks) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    rest = lines.pop()!;
    yield* lines;
  }
  rest += decoder.decode();
  if (rest !== '') yield rest;
}

/** Decodes rows with a given schema: fields by name, values converted only where lossless (as in `toRecordBatches`). */
class SchemaDecoder {
  private readonly kinds;
  private builder: BatchBuilder;
  private readonly values: unknown[] = [];
  private readonly names: readonly string[];

  constructor(
    private readonly schema: Schema,
    private readonly batchRows: number,
  ) {
    this.kinds = kindsOf(schema, 'ndjson');
    this.names = schema.fields.map((f) => f.name);
    this.builder = new BatchBuilder(schema, this.kinds, batchRows);
  }

  add(row: Record<string, unknown>, line: number): RecordBatch | undefined {
    let present = 0;
    for (let i = 0; i < this.names.length; i++) {
      const v = row[this.names[i]!];
      if (v !== undefined) present++;
      this.values[i] = v;
    }
    if (Object.keys(row).length > present) {
      const extra = Object.keys(row).find((k) => !this.names.includes(k));
      throw new FormatError(`ndjson: line ${line} has field '${extra}', which the schema does not have`, 'ndjson');
    }
    const refused = this.builder.append(this.values);
    if (refused >= 0) {
      const f = this.schema.fields[refused]!;
      throw new FormatError(
        `ndjson: line ${line}: field '${f.name}' (${String(f.type)}) expected ${expected(this.kinds[refused]!)}, got ${show(this.values[refused])}`,
        'ndjson',
      );
    }
    return this.builder.rows >= this.batchRows ? this.flush() : undefined;
  }

  flush(): RecordBatch | undefined {
    if (this.builder.rows === 0) return undefined;
    const batch = this.builder.finish();
    this.builder = new BatchBuilder(this.schema, this.kinds, this.batchRows);
    return batch;
  }
}

/** Decodes rows without a schema: inferred from the first row, a new batch whenever a row does not fit. */
class InferringDecoder {
  private readonly shaper = new RowShaper('ndjson', { inferFrom: 'first', flatten: 'never' });
  private builder: BatchBuilder | undefined;

  constructor(private readonly batchRows: number) {}

  add(row: Record<string, unknown>, line: number): RecordBatch | undefined {
    const { target, change } = this.shaper.shape(row, line - 1);
    const done = change !== undefined ? this.flush() : undefined;
    this.builder ??= new BatchBuilder(target.schema, target.kinds, this.batchRows);
    const refused = this.builder.append(this.shaper.values);
    if (refused >= 0) throw this.shaper.refusal(target, refused, line - 1);
    if (done) return done;
    return this.builder.rows >= this.batchRows ? this.flush() : undefined;
  }

  flush(): RecordBatch | undefined {
    const b = this.builder;
    this.builder = undefined;
    return b && b.rows > 0 ? b.finish() : undefined;
  }
}

async function* decode(input: DecodeInput, schema: Schema | undefined, batchRows: number): AsyncGenerator<RecordBatch> {
  const decoder = schema ? new SchemaDecoder(schema, batchRows) : new InferringDecoder(batchRows);
  let line = 0;
  for await (const text of linesOf(input)) {
    line++;
    if (text.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (e) {
      throw new FormatError(`ndjson: line ${line} is not valid JSON: ${(e as Error).message}`, 'ndjson', { cause: e });
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new FormatError(`ndjson: line ${line} must be a JSON object, got ${show(row)}`, 'ndjson');
    }
    const batch = decoder.add(row as Record<string, unknown>, line);
    if (batch) yield batch;
  }
  const last = decoder.flush();
  if (last) yield last;
}

/**
 * The built-in NDJSON format (`.ndjson`, `.jsonl`).
 * @example const batches = await decodeBatches(ndjson, bytes, { schema }); // exact types back, given the schema
 */
export const ndjson: Format = {
  name: 'ndjson',
  extensions: ['ndjson', 'jsonl'],
  contentType: 'application/x-ndjson',
  capabilities: { selfDescribing: false, streamingEncode: true, streamingDecode: true },
  encoder(): BatchEncoder {
    return { write: (batch) => [encodeBatch(batch)], finish: () => [] };
  },
  encode(batches) {
    return [...batches].map(encodeBatch);
  },
  decode(input, options) {
    return decode(input, options?.schema, options?.batchRows ?? 10_000);
  },
};
