import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import {
  FormatError, FormatRegistry, UnknownFormatError, builtInFormats, decodeBatches, encodeBatches, formats, ndjson,
  parquetFormat, rowsOf, schemaFingerprint, type Format,
} from 'tributary/flows/arrow';
import { ALL_ROWS, ALL_TYPES, batchesOf, rowsIn } from './fixtures';

const FORMATS = ['ndjson', 'arrow-ipc-stream', 'arrow-ipc-file', 'parquet'] as const;

/** Yields the bytes in chunks of `size`, as a download stream would. */
async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
}

describe('formats', () => {
  let batches: RecordBatch[];
  beforeAll(async () => {
    batches = await batchesOf(ALL_ROWS, { schema: ALL_TYPES, maxRows: 2 });
  });

  describe.each(FORMATS)('%s', (name) => {
    const format = formats.get(name);

    it('round-trips every supported type (nulls, unicode, large decimals, zoned timestamps) exactly', async () => {
      const bytes = encodeBatches(format, batches);
      const schema = format.capabilities.selfDescribing ? undefined : batches[0]!.schema;
      const back = await decodeBatches(format, bytes, schema ? { schema } : {});
      expect(rowsIn(back)).toEqual(ALL_ROWS);
      expect(back.every((b) => schemaFingerprint(b.schema) === schemaFingerprint(batches[0]!.schema))).toBe(true);
      expect(back[0]!.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual(
        batches[0]!.schema.fields.map((f) => [f.name, String(f.type), f.nullable]),
      );
    });

    it('decodes from a stream of small chunks and encodes incrementally with the same bytes', async () => {
      const whole = encodeBatches(format, batches);
      const schema = format.capabilities.selfDescribing ? undefined : batches[0]!.schema;
      const back = await decodeBatches(format, chunked(whole, 7), schema ? { schema } : {});
      expect(rowsIn(back)).toEqual(ALL_ROWS);
      if (format.encoder) {
        const encoder = format.encoder();
        const parts = [...batches.flatMap((b) => encoder.write(b)), ...encoder.finish()];
        expect(Buffer.concat(parts)).toEqual(Buffer.from(whole));
      }
    });

    it('round-trips across a mid-stream schema change: one file per schema', async () => {
      const rows = [{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: '3', v: 'c' }, { id: '4', v: 'd', extra: true }];
      const parts = await batchesOf(rows, { inferFrom: 'first' });
      expect(parts).toHaveLength(3);
      const back: RecordBatch[] = [];
      for (const part of parts) {
        const bytes = encodeBatches(format, [part]);
        back.push(...(await decodeBatches(format, bytes, format.capabilities.selfDescribing ? {} : { schema: part.schema })));
      }
      expect(rowsIn(back)).toEqual(rows);
      expect(back.map((b) => schemaFingerprint(b.schema))).toEqual(parts.map((b) => schemaFingerprint(b.schema)));
    });

    if (name !== 'ndjson') {
      it('refuses to put batches of two schemas in one file, naming the format', async () => {
        const parts = await batchesOf([{ a: 1 }, { a: 'x' }], { inferFrom: 'first' });
        expect(() => encodeBatches(format, parts)).toThrow(FormatError);
        expect(() => encodeBatches(format, parts)).toThrow(`${name}: a file holds one schema`);
      });

      it('stores the schema of a file without rows, and reads it back', async () => {
        const bytes = encodeBatches(format, [], batches[0]!.schema);
        expect(await decodeBatches(format, bytes)).toEqual([]);
        const schema = await format.readSchema!(bytes);
        expect(schemaFingerprint(schema)).toBe(schemaFingerprint(batches[0]!.schema));
      });

      it('fails on garbage with a FormatError naming the format', async () => {
        await expect(decodeBatches(format, Buffer.from('not a file at all, certainly not'))).rejects.toThrow(FormatError);
      });
    }
  });

  it('ndjson writes lossless text forms and infers types without a schema', async () => {
    const text = Buffer.from(encodeBatches(ndjson, [batches[1]!])).toString('utf8');
    const line = JSON.parse(text.split('\n')[0]!);
    expect(line).toMatchObject({ id: '9007199254740993', big: '-9007199254740993', bytes: '', f64: 'Infinity', amount: '0.00' });
    const inferred = await decodeBatches(ndjson, Buffer.from('{"a":1,"b":"x"}\n\n{"a":2,"b":null}\n{"a":"3"}\n'));
    expect(inferred.map((b) => b.schema.fields.map((f) => String(f.type)))).toEqual([['Float64', 'Utf8'], ['Utf8']]);
    expect(rowsIn(inferred)).toEqual([{ a: 1, b: 'x' }, { a: 2, b: null }, { a: '3' }]);
  });

  it('ndjson names the line of bad input', async () => {
    await expect(decodeBatches(ndjson, Buffer.from('{"a":1}\n{oops\n'))).rejects.toThrow('ndjson: line 2 is not valid JSON');
    await expect(decodeBatches(ndjson, Buffer.from('[1]\n'))).rejects.toThrow('ndjson: line 1 must be a JSON object, got array(1)');
    const schema = batches[0]!.schema;
    await expect(decodeBatches(ndjson, Buffer.from('{"id":"1","tiny":1000}\n'), { schema })).rejects.toThrow(
      "ndjson: line 1: field 'tiny' (Int8) expected an integer number in [-128, 127], got 1000",
    );
  });

  it('parquet files are read by an independent reader (hyparquet) with the same values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-'));
    try {
      const file = join(dir, 'all.parquet');
      writeFileSync(file, encodeBatches(formats.get('parquet'), batches));
      const out = JSON.parse(execFileSync(process.execPath, [resolve(__dirname, '../../support/hyparquet-read.mjs'), file]).toString());
      expect(out.numRows).toBe(ALL_ROWS.length);
      // hyparquet computes decimals in floating point: compare them to 12 significant digits.
      const round = (rows: Record<string, unknown>[]) =>
        rows.map((r) => ({ ...r, amount: r['amount'] === null ? null : Number(r['amount']).toPrecision(12), huge: r['huge'] === null ? null : Number(r['huge']).toPrecision(12) }));
      expect(round(out.rows)).toEqual(round(batches.flatMap(hyparquetView)));
      expect(out.schema.find((c: { name: string }) => c.name === 'huge')).toEqual({ name: 'huge', type: 'FIXED_LEN_BYTE_ARRAY', logical: 'DECIMAL' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('registry', () => {
    const csv: Format = {
      name: 'csv',
      extensions: ['csv', 'tsv'],
      contentType: 'text/csv',
      capabilities: { selfDescribing: false, streamingEncode: false, streamingDecode: false },
      encode: (bs) => Buffer.from([...bs].flatMap((b) => [...rowsOf(b)].map((r) => Object.values(r).join(','))).join('\n')),
      decode: () => [],
    };

    it('holds the built-ins, selectable by name and by extension', () => {
      expect(formats.names()).toEqual(['ndjson', 'arrow-ipc-stream', 'arrow-ipc-file', 'parquet']);
      expect(formats.forPath('lake/t/part-1.parquet').name).toBe('parquet');
      expect(formats.forPath('x.ARROWS').name).toBe('arrow-ipc-stream');
      expect(formats.forPath('x.feather').name).toBe('arrow-ipc-file');
      expect(formats.forPath('x.jsonl').name).toBe('ndjson');
      expect(builtInFormats.map((f) => f.contentType)).toEqual([
        'application/x-ndjson', 'application/vnd.apache.arrow.stream', 'application/vnd.apache.arrow.file', 'application/vnd.apache.parquet',
      ]);
    });

    it('takes user formats; refuses clashes unless replacing; names what is registered when one is missing', async () => {
      const registry = new FormatRegistry(builtInFormats).register(csv);
      expect(registry.get('csv')).toBe(csv);
      expect(registry.forPath('a/b.tsv')).toBe(csv);
      const [batch] = await batchesOf([{ a: 1, b: 'x' }], { inferFrom: 'first' });
      expect(Buffer.from(encodeBatches(registry.get('csv'), [batch!])).toString()).toBe('1,x');
      expect(() => registry.register(csv)).toThrow("a format named 'csv' is registered already (pass { replace: true })");
      expect(() => registry.register({ ...csv, name: 'csv2' })).toThrow("extension '.csv' of 'csv2' belongs to format 'csv'");
      const zstd = parquetFormat({ compression: 'zstd' });
      registry.register(zstd, { replace: true });
      expect(registry.get('parquet')).toBe(zstd);
      expect(() => registry.get('avro')).toThrow(UnknownFormatError);
      expect(() => registry.get('avro')).toThrow("no format named 'avro'; registered: ndjson, arrow-ipc-stream, arrow-ipc-file, parquet, csv");
      expect(() => registry.forPath('x.orc')).toThrow("no format for 'x.orc' (extension 'orc'); known extensions: .ndjson, .jsonl");
      expect(() => registry.register({ ...csv, name: 'Bad Name' })).toThrow('name must be lower-case');
      expect(() => registry.register({ ...csv, name: 'x', extensions: ['.x'] })).toThrow('extensions must be a non-empty list');
    });

    it('parquet writer settings are validated and applied', async () => {
      expect(() => parquetFormat({ compression: 'lzo' as never })).toThrow('compression must be one of uncompressed, snappy');
      const rows = Array.from({ length: 2_000 }, (_, i) => ({ id: i, text: 'same text every row' }));
      const bs = await batchesOf(rows, { inferFrom: 'first', maxRows: 2_000 });
      const plain = encodeBatches(parquetFormat({ compression: 'uncompressed', dictionary: false }), bs);
      const zstd = encodeBatches(parquetFormat({ compression: 'zstd' }), bs);
      expect(zstd.byteLength).toBeLessThan(plain.byteLength / 2);
      expect(rowsIn(await decodeBatches(parquetFormat(), zstd))).toEqual(rows);
    });
  });
});

/** What hyparquet-read.mjs prints for our rows (see there): exact text forms by unit. */
function hyparquetView(batch: RecordBatch): Record<string, unknown>[] {
  const units = Object.fromEntries(
    batch.schema.fields.map((f) => [f.name, /Timestamp<(\w+)/.exec(String(f.type))?.[1]]),
  );
  const days = (text: string): number => Date.parse(`${text}T00:00:00Z`) / 86_400_000;
  return [...rowsOf(batch, { timestamps: 'epoch', binary: 'base64' })].map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => {
        if (v === null) return [k, null];
        const unit = units[k];
        if (unit === 'SECOND') return [k, String(v)]; // Parquet has no seconds unit: a plain INT64 of seconds
        if (unit === 'MILLISECOND') return [k, `ms:${v}`];
        if (unit === 'MICROSECOND') return [k, `us:${v}`];
        if (unit === 'NANOSECOND') return [k, `ns:${v}`];
        if (k === 'day') return [k, `days:${days(v as string)}`];
        if (k === 'bytes') return [k, { base64: v }];
        if (typeof v === 'number' && !Number.isFinite(v)) return [k, String(v)];
        return [k, v];
      }),
    ),
  );
}
