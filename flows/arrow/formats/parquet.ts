/**
 * Parquet on `parquet-wasm` (arrow-rs compiled to WebAssembly, shipped inside the npm package: no native
 * download, no build step). Batches go to the WASM side as an Arrow IPC stream and come back the same way; the
 * Arrow schema is stored in the file, so types, time zones and metadata round-trip exactly.
 */
import { RecordBatchReader, Table, tableFromIPC, type RecordBatch, type Schema } from 'apache-arrow';
import type * as ParquetWasm from 'parquet-wasm';
import { FormatError } from '../errors';
import { schemaFingerprint } from '../schema-identity';
import { arrowIpcStreamFormat } from './arrow-ipc';
import { bytesOf, readAllBytes, type Format } from './format';

let wasm: typeof ParquetWasm | undefined;

/** Loads parquet-wasm on first use (the Node build instantiates its WASM module synchronously, ~50 ms). */
function parquetWasm(): typeof ParquetWasm {
  wasm ??= require('parquet-wasm') as typeof ParquetWasm;
  return wasm;
}

/** Compression codecs of `parquetFormat`. */
export type ParquetCompression = 'uncompressed' | 'snappy' | 'gzip' | 'brotli' | 'zstd' | 'lz4_raw';

/** Options of `parquetFormat`. */
export interface ParquetFormatOptions {
  /** Codec for every column (default `'snappy'`, which every Parquet reader supports). */
  readonly compression?: ParquetCompression;
  /** Rows per row group at most (default 1 048 576, arrow-rs's default). */
  readonly maxRowGroupRows?: number;
  /** Dictionary encoding (default true). */
  readonly dictionary?: boolean;
  /** Name of the format in a registry (default `'parquet'`). */
  readonly name?: string;
}

const CODECS: Readonly<Record<ParquetCompression, keyof typeof ParquetWasm.Compression>> = {
  uncompressed: 'UNCOMPRESSED',
  snappy: 'SNAPPY',
  gzip: 'GZIP',
  brotli: 'BROTLI',
  zstd: 'ZSTD',
  lz4_raw: 'LZ4_RAW',
};

/**
 * A Parquet format with the given writer settings; the built-in `parquet` format is `parquetFormat()`.
 * Encoding needs a whole file at once (Parquet's footer indexes it), so writers hold a file's batches until it
 * closes (`streamingEncode: false`); decoding reads the whole file.
 * @example formats.register(parquetFormat({ name: 'parquet-zstd', compression: 'zstd' }), { replace: true });
 */
export function parquetFormat(options: ParquetFormatOptions = {}): Format {
  const name = options.name ?? 'parquet';
  const compression = options.compression ?? 'snappy';
  if (!(compression in CODECS)) {
    throw new TypeError(`parquetFormat: compression must be one of ${Object.keys(CODECS).join(', ')}, got ${JSON.stringify(compression)}`);
  }
  const maxRowGroupRows = options.maxRowGroupRows ?? 1024 * 1024;
  if (!Number.isInteger(maxRowGroupRows) || maxRowGroupRows < 1) {
    throw new RangeError(`parquetFormat: maxRowGroupRows must be a positive integer, got ${String(maxRowGroupRows)}`);
  }
  const fail = (what: string, e: unknown): FormatError =>
    new FormatError(`${name}: ${what}: ${e instanceof Error ? e.message : String(e)}`, name, { cause: e });

  /** The batches as a WASM table (through an Arrow IPC stream). */
  const toWasm = (batches: readonly RecordBatch[], schema: Schema | undefined): ParquetWasm.Table => {
    const first = schema ?? batches[0]?.schema;
    if (!first) throw new FormatError(`${name}: cannot write a file without a schema (no batches and no schema given)`, name);
    const fp = schemaFingerprint(first);
    const other = batches.find((b) => schemaFingerprint(b.schema) !== fp);
    if (other) throw new FormatError(`${name}: a file holds one schema; got ${schemaFingerprint(other.schema)} after ${fp}`, name);
    const ipc = bytesOf(arrowIpcStreamFormat.encode(batches, first));
    return parquetWasm().Table.fromIPCStream(ipc);
  };

  const readTable = (bytes: Uint8Array, batchSize: number): Table => {
    const w = parquetWasm();
    let table: ParquetWasm.Table | undefined;
    try {
      table = w.readParquet(bytes, { batchSize });
      const ipc = table.intoIPCStream(); // consumes the WASM table
      table = undefined;
      return tableFromIPC(ipc);
    } catch (e) {
      table?.free();
      throw fail('cannot decode the input', e);
    }
  };

  return {
    name,
    extensions: ['parquet'],
    contentType: 'application/vnd.apache.parquet',
    capabilities: { selfDescribing: true, streamingEncode: false, streamingDecode: false },
    encode(batches, schema) {
      const w = parquetWasm();
      const list = [...batches];
      const table = toWasm(list, schema);
      const props = new w.WriterPropertiesBuilder()
        .setCompression(w.Compression[CODECS[compression]])
        .setMaxRowGroupSize(maxRowGroupRows)
        .setDictionaryEnabled(options.dictionary ?? true)
        .setCreatedBy('tributary (parquet-wasm)')
        .build();
      try {
        return w.writeParquet(table, props); // consumes the WASM table and the properties
      } catch (e) {
        throw fail('cannot encode the batches', e);
      }
    },
    async *decode(input, decodeOptions) {
      const table = readTable(await readAllBytes(input), decodeOptions?.batchRows ?? 10_000);
      for (const batch of table.batches) if (batch.numRows > 0) yield batch; // not the placeholder of an empty file
    },
    async readSchema(input) {
      const w = parquetWasm();
      try {
        const ipc = w.readSchema(await readAllBytes(input)).intoIPCStream(); // consumes the WASM schema
        return (await RecordBatchReader.from(ipc).open()).schema;
      } catch (e) {
        throw fail('cannot read the schema', e);
      }
    },
  };
}

/**
 * The built-in Parquet format (Snappy).
 * @example const bytes = encodeBatches(parquet, batches);
 */
export const parquet: Format = parquetFormat();
