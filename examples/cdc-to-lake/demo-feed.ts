/**
 * A deterministic change feed of two tables, shaped like the SQL Server CDC source's `ChangeEvent`s: commit LSNs
 * as hex text, decimals as text, `datetime2` as naive ISO text, `datetimeoffset` with its offset. Changes come in
 * transactions of one table at a time, as a CDC reader returns them per capture instance. Resumable after any
 * log position.
 */
import type { ChangeEventLike, ColumnDef } from 'tributary/flows/arrow';
import { seededRandom } from '../shared/seeded-random';

/** The columns of each demo table (what the CDC source reads from `cdc.captured_columns`). */
export const TABLE_COLUMNS: Readonly<Record<string, readonly ColumnDef[]>> = {
  orders: [
    { name: 'order_id', type: 'int64', nullable: false },
    { name: 'customer_id', type: 'int64', nullable: false },
    { name: 'status', type: 'utf8', nullable: false },
    { name: 'amount', type: { type: 'decimal', precision: 12, scale: 2 } },
    { name: 'currency', type: 'utf8' },
    { name: 'placed_at', type: { type: 'timestamp', unit: 'us' } }, // datetime2: wall clock
  ],
  customers: [
    { name: 'customer_id', type: 'int64', nullable: false },
    { name: 'name', type: 'utf8' },
    { name: 'segment', type: 'utf8' },
    { name: 'updated_at', type: { type: 'timestamp', unit: 'us', timezone: 'UTC' } }, // datetimeoffset
  ],
};

/** A change event of the demo feed, with its log position. */
export interface DemoChange extends ChangeEventLike {
  readonly position: number;
}

const STATUSES = ['placed', 'paid', 'shipped', 'delivered'] as const;
const NAMES = ['Ada', 'Bjørn', 'Chloé', 'Dmitri', 'Eun-ji', 'Fatima', 'Gustav', 'Håkon'] as const;
const EPOCH = Date.UTC(2024, 0, 1);

const lsnOf = (position: number): string => `0x${position.toString(16).toUpperCase().padStart(20, '0')}`;

/** The changes at log positions `from + 1 … count` (`count` may be `Infinity`). */
export function* changesAfter(from: number, count: number): Generator<DemoChange> {
  const next = seededRandom(7);
  const orders = new Map<number, { customer_id: string; status: number; amount: string; currency: string; placed_at: string }>();
  let nextOrder = 1;
  let position = 0;
  for (let tx = 0; position < count; tx++) {
    const table = tx % 5 === 4 ? 'customers' : 'orders'; // one table per transaction
    const size = 20 + Math.floor(next() * 180);
    for (let i = 0; i < size && position < count; i++) {
      position++;
      const committedAt = EPOCH + position * 250;
      let op: 'c' | 'u' | 'd';
      let before: Record<string, unknown> | null = null;
      let after: Record<string, unknown> | null;
      if (table === 'customers') {
        const id = 1 + Math.floor(next() * 500);
        op = 'u';
        after = {
          customer_id: String(id),
          name: `${NAMES[id % NAMES.length]} ${id}`,
          segment: next() < 0.1 ? 'vip' : 'retail',
          updated_at: `${new Date(committedAt).toISOString().slice(0, 19)}.${String(position % 1_000_000).padStart(6, '0')}+01:00`,
        };
      } else if (orders.size < 100 || next() < 0.3) {
        op = 'c';
        const id = nextOrder++;
        const order = {
          customer_id: String(1 + Math.floor(next() * 500)),
          status: 0,
          amount: (Math.floor(next() * 10_000_000) / 100).toFixed(2),
          currency: ['EUR', 'NOK', 'USD'][id % 3]!,
          placed_at: new Date(committedAt).toISOString().slice(0, 23).replace('T', ' '),
        };
        orders.set(id, order);
        after = { order_id: String(id), ...order, status: STATUSES[0] };
      } else {
        const ids = [...orders.keys()];
        const id = ids[Math.floor(next() * ids.length)]!;
        const order = orders.get(id)!;
        before = { order_id: String(id), ...order, status: STATUSES[order.status] };
        if (order.status === STATUSES.length - 1 || next() < 0.05) {
          op = 'd';
          after = null;
          orders.delete(id);
        } else {
          op = 'u';
          order.status++;
          after = { order_id: String(id), ...order, status: STATUSES[order.status] };
        }
      }
      if (position <= from) continue; // already processed by an earlier run
      const lsn = lsnOf(position);
      yield {
        position,
        op,
        before,
        after,
        source: { database: 'shop', schema: 'dbo', table, commitLsn: lsn, seqval: lsn, commitTime: new Date(committedAt).toISOString() },
        id: `shop:dbo_${table}:${lsn}:${op}`,
      };
    }
  }
}
