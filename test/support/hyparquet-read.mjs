// An independent Parquet reader for the tests (hyparquet, pure JavaScript, not the writer's arrow-rs): reads the
// Parquet file given as argument and prints { schema, rows } as JSON. Exact forms where JSON has none:
// int64 as decimal text, timestamps as "<unit>:<integer>", dates as "days:<n>", bytes as base64, non-finite
// floats as text. Decimals come back as hyparquet's numbers. Run with plain node (hyparquet is ES modules only).
import { readFileSync } from 'node:fs';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';

const bytes = readFileSync(process.argv[2]);
const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const parsers = {
  timestampFromMilliseconds: (v) => `ms:${v}`,
  timestampFromMicroseconds: (v) => `us:${v}`,
  timestampFromNanoseconds: (v) => `ns:${v}`,
  dateFromDays: (v) => `days:${v}`,
};
const rows = await parquetReadObjects({ file, utf8: false, parsers });
const metadata = parquetMetadata(file);
const json = JSON.stringify(
  {
    schema: metadata.schema.slice(1).map((e) => ({ name: e.name, type: e.type, logical: e.logical_type?.type ?? e.converted_type ?? null })),
    rows,
    numRows: Number(metadata.num_rows),
  },
  (_key, v) =>
    typeof v === 'bigint' ? v.toString()
    : v instanceof Uint8Array ? { base64: Buffer.from(v).toString('base64') }
    : typeof v === 'number' && !Number.isFinite(v) ? String(v)
    : v,
);
process.stdout.write(json);
