/**
 * A deterministic change feed of an `orders` table, as a change-data-capture source would deliver it: orders are
 * placed, then paid, shipped, delivered or cancelled. The same seed always gives the same changes.
 */
import { seededRandom } from '../shared/seeded-random';

export type OrderStatus = 'placed' | 'paid' | 'shipped' | 'delivered' | 'cancelled';

export interface Order {
  readonly orderId: number;
  readonly customerId: number;
  readonly status: OrderStatus;
  readonly amount: number;
  readonly currency: 'EUR' | 'USD' | 'NOK';
}

/** One change: `after` is the row after the change (the row before a delete). */
export interface OrderChange {
  /** The change's position in the log (log sequence number). */
  readonly lsn: number;
  readonly op: 'insert' | 'update' | 'delete';
  readonly table: 'dbo.orders';
  readonly committedAt: string;
  readonly after: Order;
}

const NEXT: Readonly<Record<OrderStatus, OrderStatus | undefined>> = {
  placed: 'paid',
  paid: 'shipped',
  shipped: 'delivered',
  delivered: undefined,
  cancelled: undefined,
};
const CURRENCIES = ['EUR', 'USD', 'NOK'] as const;
const EPOCH = Date.UTC(2024, 0, 1);

/** `count` changes (endless when `count` is `Infinity`), starting at log position 1. */
export function* orderChanges(count: number, seed = 42): Generator<OrderChange> {
  const next = seededRandom(seed);
  const open = new Map<number, Order>(); // orders not yet delivered or cancelled, bounded below
  let nextOrderId = 1;
  for (let lsn = 1; lsn <= count; lsn++) {
    const committedAt = new Date(EPOCH + lsn * 37).toISOString();
    const ids = [...open.keys()];
    if (ids.length === 0 || (ids.length < 200 && next() < 0.4)) {
      const order: Order = {
        orderId: nextOrderId++,
        customerId: 1 + Math.floor(next() * 500),
        status: 'placed',
        amount: Math.round(next() * 50_000) / 100,
        currency: CURRENCIES[Math.floor(next() * CURRENCIES.length)]!,
      };
      open.set(order.orderId, order);
      yield { lsn, op: 'insert', table: 'dbo.orders', committedAt, after: order };
      continue;
    }
    const order = open.get(ids[Math.floor(next() * ids.length)]!)!;
    if (order.status === 'placed' && next() < 0.1) {
      open.delete(order.orderId);
      yield { lsn, op: 'delete', table: 'dbo.orders', committedAt, after: { ...order, status: 'cancelled' } };
      continue;
    }
    const updated: Order = { ...order, status: NEXT[order.status]! };
    if (updated.status === 'delivered') open.delete(order.orderId);
    else open.set(order.orderId, updated);
    yield { lsn, op: 'update', table: 'dbo.orders', committedAt, after: updated };
  }
}
