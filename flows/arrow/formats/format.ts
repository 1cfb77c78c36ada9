/**
 * The file-format plug-in contract: a format turns Arrow record batches into bytes and back.
 */
import type { RecordBatch, Schema } from 'apache-arrow';

/** Bytes from `encode`: one buffer, or chunks in order. */
export type EncodedBytes = Uint8Array | Iterable<Uint8Array>;

/** Input of `decode`: the whole file, or its chunks in order (e.g. a blob download stream). */
export type DecodeInput = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** What a format can do. */
export interface FormatCapabilities {
  /** Files carry the exact Arrow schema (types, nullability, metadata), so `decode` needs no schema. */
  readonly selfDescribing: boolean;
  /** `encoder()` writes each batch as it comes (memory bounded by one batch); else a file's batches are held until it closes. */
  readonly streamingEncode: boolean;
  /** `decode` yields batches before it has read all input; else it reads the whole input first. */
  readonly streamingDecode: boolean;
}

/** Options of `decode`. */
export interface DecodeOptions {
  /** The schema to decode with; required by formats that are not self-describing to restore exact types. */
  readonly schema?: Schema;
  /** Rows per decoded batch, for formats that choose (default 10 000). */
  readonly batchRows?: number;
}

/** Writes the batches of one file incrementally; returned chunks are the file's next bytes, in order. */
export interface BatchEncoder {
  /** Encodes one batch (all batches of a file share one schema); returns the bytes to append. */
  write(batch: RecordBatch): Uint8Array[];
  /** Ends the file (footer, end-of-stream marker); returns the last bytes. The encoder is done afterwards. */
  finish(): Uint8Array[];
}

/**
 * A file format. `encode` writes batches sharing one schema as one file; `decode` reads a file back.
 * @example
 * const csv: Format = {
 *   name: 'csv', extensions: ['csv'], contentType: 'text/csv',
 *   capabilities: { selfDescribing: false, streamingEncode: false, streamingDecode: false },
 *   encode: (batches) => encodeCsv(batches),
 *   decode: (input, options) => decodeCsv(input, options),
 * };
 * formats.register(csv);
 */
export interface Format {
  /** Unique name, e.g. `parquet`. */
  readonly name: string;
  /** File extensions without the dot, lower case; the first is used for new files. */
  readonly extensions: readonly string[];
  /** MIME type of the files. */
  readonly contentType: string;
  readonly capabilities: FormatCapabilities;
  /** Encodes batches (one schema) as one file. An empty list needs `schema` for formats that store one. */
  encode(batches: Iterable<RecordBatch>, schema?: Schema): EncodedBytes;
  /** Decodes a file into batches. */
  decode(input: DecodeInput, options?: DecodeOptions): Iterable<RecordBatch> | AsyncIterable<RecordBatch>;
  /** An incremental encoder (streaming formats); without one, writers hold a file's batches and call `encode`. */
  encoder?(): BatchEncoder;
  /** The schema stored in a file (self-describing formats), also when the file has no rows. */
  readSchema?(input: DecodeInput): Promise<Schema>;
}

/** Concatenates `chunks` into one buffer. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** All bytes of `encoded` in one buffer. */
export function bytesOf(encoded: EncodedBytes): Uint8Array {
  return encoded instanceof Uint8Array ? encoded : concatBytes([...encoded]);
}

/** All bytes of a decode input in one buffer. */
export async function readAllBytes(input: DecodeInput): Promise<Uint8Array> {
  if (input instanceof Uint8Array) return input;
  const chunks: Uint8Array[] = [];
  for await (const c of input as AsyncIterable<Uint8Array>) chunks.push(c);
  return concatBytes(chunks);
}

/**
 * Encodes `batches` with `format` into one buffer.
 * @example const bytes = encodeBatches(formats.get('parquet'), batches);
 */
export function encodeBatches(format: Format, batches: Iterable<RecordBatch>, schema?: Schema): Uint8Array {
  return bytesOf(format.encode(batches, schema));
}

/**
 * Decodes a whole file with `format` into a list of batches.
 * @example const batches = await decodeBatches(formats.forPath(name), await blob.downloadToBuffer());
 */
export async function decodeBatches(format: Format, input: DecodeInput, options?: DecodeOptions): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of format.decode(input, options) as AsyncIterable<RecordBatch>) out.push(b);
  return out;
}

/**
 * An encoder for any format: the streaming one when it has one, else one that holds the batches until `finish`.
 * @example const e = encoderFor(formats.get('parquet'), schema); e.write(batch); const bytes = e.finish();
 */
export function encoderFor(format: Format, schema: Schema): BatchEncoder {
  if (format.encoder) return format.encoder();
  const held: RecordBatch[] = [];
  return {
    write(batch) {
      held.push(batch);
      return [];
    },
    finish() {
      const encoded = format.encode(held, schema);
      held.length = 0;
      return encoded instanceof Uint8Array ? [encoded] : [...encoded];
    },
  };
}
