import { Sink, Source } from 'tributary';
import { toRecordBatches, type ColumnDef } from 'tributary/flows/arrow';
import { lakeSink, type FileStore } from 'tributary/sinks/blob';
import type { Outcome, Variant, Workload } from '../lib/workload';

/**
 * R: CDC-like rows (10 columns: op, LSNs, 64-bit ids as text, a decimal as text, timestamps as ISO text) into
 * record batches and through each format, bytes counted and discarded; against `JSON.stringify` per row.
 */
export const R_COLUMNS: readonly ColumnDef[] = [
  { name: 'op', type: 'utf8', nullable: false },
  { name: 'commit_lsn', type: 'utf8' },
  { name: 'seqval', type: 'utf8' },
  { name: 'order_id', type: 'int64', nullable: false },
  { name: 'customer_id', type: 'int64' },
  { name: 'status', type: 'utf8' },
  { name: 'amount', type: { type: 'decimal', precision: 12, scale: 2 } },
  { name: 'currency', type: 'utf8' },
  { name: 'placed_at', type: { type: 'timestamp', unit: 'us' } },
  { name: 'updated_at', type: { type: 'timestamp', unit: 'us', timezone: 'UTC' } },
];

const STATUSES = ['placed', 'paid', 'shipped', 'delivered', 'cancelled'];
const CURRENCIES = ['EUR', 'NOK', 'USD'];
const EPOCH = Date.UTC(2024, 0, 1);

/** `n` rows made lazily, deterministic (no randomness: every run and variant sees the same data). */
export function* cdcRows(n: number): Generator<Record<string, unknown>> {
  for (let i = 0; i < n; i++) {
    const lsn = `0x${(0x10000000 + (i >> 3)).toString(16).toUpperCase().padStart(20, '0')}`;
    const iso = new Date(EPOCH + i * 37).toISOString(); // …T…:…:….mmmZ
    yield {
      op: i % 10 === 0 ? 'c' : i % 97 === 0 ? 'd' : 'u',
      commit_lsn: lsn,
      seqval: `${lsn.slice(0, -4)}${(i & 7).toString(16).padStart(4, '0')}`,
      order_id: String(1_000_000_000 + (i >> 2)),
      customer_id: String((i * 7919) % 250_000),
      status: STATUSES[i % STATUSES.length],
      amount: `${(i * 31) % 100_000}.${String(i % 100).padStart(2, '0')}`,
      currency: CURRENCIES[i % 3],
      placed_at: `${iso.slice(0, 23)}${String(i % 1000).padStart(3, '0')}`,
      updated_at: `${iso.slice(0, 23)}${String((i * 3) % 1000).padStart(3, '0')}Z`,
    };
  }
}

/** A store that counts the bytes and rows of committed files and keeps nothing. */
function countingStore(): FileStore & { bytes: number; files: number } {
  const store = {
    bytes: 0,
    files: 0,
    description: 'counting store',
    async create() {
      let bytes = 0;
      return {
        append: async (chunks: readonly Uint8Array[]) => {
          for (const c of chunks) bytes += c.byteLength;
        },
        commit: async () => {
          store.bytes += bytes;
          store.files++;
        },
        abort: async () => undefined,
      };
    },
    put: async () => undefined,
    list: async () => [],
    read: async () => new Uint8Array(0),
  };
  return store;
}

const BATCH_ROWS = 10_000;
const FILE_ROWS = 250_000;

function throughFormat(format: string): Variant {
  return async (n): Promise<Outcome> => {
    const store = countingStore();
    const summary = await Source.from(cdcRows(n))
      .via(toRecordBatches({ schema: R_COLUMNS, maxRows: BATCH_ROWS }))
      .runWith(lakeSink({ store, format, streamId: 'bench', maxRowsPerFile: FILE_ROWS }));
    return { count: summary.rows, expected: n, metrics: { bytesPerRow: store.bytes / n, files: store.files } };
  };
}

export const workloadR: Workload = {
  variants: {
    /** The peer: one JSON document per row, as an NDJSON sink without Arrow would write it. */
    'json-stringify': async (n) => {
      let bytes = 0;
      let count = 0;
      for (const row of cdcRows(n)) {
        bytes += Buffer.byteLength(`${JSON.stringify(row)}\n`);
        count++;
      }
      return { count, expected: n, metrics: { bytesPerRow: bytes / n } };
    },
    /** toRecordBatches alone: the cost of building typed Arrow columns. */
    'tributary-batches': async (n) => {
      let rows = 0;
      let bytes = 0;
      await Source.from(cdcRows(n))
        .via(toRecordBatches({ schema: R_COLUMNS, maxRows: BATCH_ROWS }))
        .runWith(
          Sink.forEach((b) => {
            rows += b.numRows;
            for (const d of b.data.children) bytes += (d.values?.byteLength ?? 0) + (d.valueOffsets?.byteLength ?? 0) + (d.nullBitmap?.byteLength ?? 0);
          }),
        );
      return { count: rows, expected: n, metrics: { bytesPerRow: bytes / n } };
    },
    'tributary-ndjson': throughFormat('ndjson'),
    'tributary-arrow-ipc-stream': throughFormat('arrow-ipc-stream'),
    'tributary-arrow-ipc-file': throughFormat('arrow-ipc-file'),
    'tributary-parquet': throughFormat('parquet'),
  },
};
