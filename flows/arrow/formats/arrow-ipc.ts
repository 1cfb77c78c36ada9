/**
 * Arrow IPC formats: the stream format (`.arrows`, `application/vnd.apache.arrow.stream`) and the file format
 * (`.arrow`, `application/vnd.apache.arrow.file`). Both keep the exact schema and write batches incrementally.
 */
import {
  AsyncByteQueue, RecordBatchFileWriter, RecordBatchReader, RecordBatchStreamWriter, type RecordBatch,
  type RecordBatchWriter, type Schema,
} from 'apache-arrow';
import { FormatError } from '../errors';
import { schemaFingerprint } from '../schema-identity';
import { readAllBytes, type BatchEncoder, type DecodeInput, type Format } from './format';

/** Collects what an Arrow writer writes, synchronously. */
class Collector extends AsyncByteQueue<Uint8Array> {
  private chunks: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.chunks.push(value);
  }
  take(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    return out;
  }
}

class IpcEncoder implements BatchEncoder {
  private readonly sink = new Collector();
  private readonly writer: RecordBatchWriter;
  private fingerprint: string | undefined;

  constructor(
    private readonly format: string,
    create: () => RecordBatchWriter,
  ) {
    this.writer = create();
  }

  /** Starts the file with `schema` (writes the schema message or the magic bytes). */
  start(schema: Schema): Uint8Array[] {
    this.fingerprint = schemaFingerprint(schema);
    this.writer.reset(this.sink, schema);
    return this.sink.take();
  }

  write(batch: RecordBatch): Uint8Array[] {
    const start = this.fingerprint === undefined ? this.start(batch.schema) : [];
    const fp = schemaFingerprint(batch.schema);
    if (fp !== this.fingerprint) {
      throw new FormatError(`${this.format}: a file holds one schema; got a batch with schema ${fp} after ${this.fingerprint}`, this.format);
    }
    this.writer.write(batch);
    return [...start, ...this.sink.take()];
  }

  finish(): Uint8Array[] {
    if (this.fingerprint === undefined) throw new FormatError(`${this.format}: cannot end a file that has no schema (no batch was written)`, this.format);
    this.writer.finish();
    return this.sink.take();
  }
}

function ipcFormat(
  name: string,
  extensions: readonly string[],
  contentType: string,
  create: () => RecordBatchWriter,
  streamingDecode: boolean,
): Format {
  const encoder = (): IpcEncoder => new IpcEncoder(name, create);
  async function* batchesOf(input: DecodeInput): AsyncGenerator<RecordBatch> {
    try {
      // A stream may hold several streams back to back; a file is read whole (its footer indexes it).
      const readers = streamingDecode
        ? RecordBatchReader.readAll(input as AsyncIterable<Uint8Array>)
        : [RecordBatchReader.from(await readAllBytes(input))];
      for await (const reader of readers) {
        for await (const batch of reader) if (batch.numRows > 0) yield batch; // not the placeholder of an empty stream
      }
    } catch (e) {
      throw new FormatError(`${name}: cannot decode the input: ${e instanceof Error ? e.message : String(e)}`, name, { cause: e });
    }
  }
  return {
    name,
    extensions,
    contentType,
    capabilities: { selfDescribing: true, streamingEncode: true, streamingDecode },
    encoder,
    encode(batches, schema) {
      const e = encoder();
      const out: Uint8Array[] = schema ? e.start(schema) : [];
      for (const b of batches) out.push(...e.write(b));
      out.push(...e.finish());
      return out;
    },
    decode: (input) => batchesOf(input),
    async readSchema(input) {
      try {
        const reader = await RecordBatchReader.from(await readAllBytes(input)).open();
        return reader.schema;
      } catch (e) {
        throw new FormatError(`${name}: cannot read the schema: ${e instanceof Error ? e.message : String(e)}`, name, { cause: e });
      }
    },
  };
}

/**
 * Arrow IPC stream format: a schema message, then one message per batch, then an end-of-stream marker.
 * @example const bytes = encodeBatches(arrowIpcStreamFormat, batches);
 */
export const arrowIpcStreamFormat: Format = ipcFormat(
  'arrow-ipc-stream',
  ['arrows'],
  'application/vnd.apache.arrow.stream',
  () => new RecordBatchStreamWriter(),
  true,
);

/**
 * Arrow IPC file format: the stream plus a footer indexing the batches (random access; read whole).
 * @example const schema = await arrowIpcFileFormat.readSchema!(bytes);
 */
export const arrowIpcFileFormat: Format = ipcFormat(
  'arrow-ipc-file',
  ['arrow', 'feather'],
  'application/vnd.apache.arrow.file',
  () => new RecordBatchFileWriter(),
  false,
);
