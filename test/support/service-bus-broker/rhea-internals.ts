/**
 * The few rhea 3.0.5 internals the broker needs that its typings do not expose, in one place: the local attach
 * frame of a link the peer opened (to answer with Service Bus's fields), holding an attach back, credit, and
 * marking a delivery settled by the peer. Pinned by the exact rhea version in package.json.
 */
import type { Connection, Delivery, link, Sender } from 'rhea';
import type { BrokerError } from './types';

/** The fields of our attach frame we set before rhea writes it (it writes on the next tick). */
interface LocalAttach {
  source: unknown;
  target: unknown;
  max_message_size: number | undefined;
  properties: Record<string, unknown> | undefined;
  snd_settle_mode: number;
  rcv_settle_mode: number;
}

interface LinkInternals {
  local: { attach: LocalAttach };
  state: { local_open: boolean; open_requests: number };
  credit: number;
  connection: Connection & { _register(): void };
}

function internals(l: link): LinkInternals {
  return l as unknown as LinkInternals;
}

/** Our attach frame for a link the client attached; edit it synchronously in the `*_open` handler. */
export function localAttach(l: link): LocalAttach {
  return internals(l).local.attach;
}

/** Keeps rhea from answering the attach until `releaseAttach` (accept-next-session waits for a session). */
export function holdAttach(l: link): void {
  const state = internals(l).state;
  state.local_open = false;
  state.open_requests = 0;
}

/** Sends the held attach. */
export function releaseAttach(l: link): void {
  l.open();
}

/**
 * Refuses a link as Service Bus does: an attach with a null source/target, then a detach carrying `error`.
 */
export function refuseAttach(l: link, error: BrokerError): void {
  const attach = localAttach(l);
  if (l.is_receiver()) attach.target = null;
  else attach.source = null;
  if (!internals(l).state.local_open) l.open();
  l.close({ condition: error.condition, description: error.description });
}

interface OutgoingInternals {
  next_pending_delivery: number;
  next_delivery_id: number;
  deliveries: { by_id(id: number): { link: unknown } | undefined };
}

/**
 * Credit the client granted that no queued delivery will use: rhea only counts a delivery against credit when it
 * writes the transfer (next tick), so deliveries queued this tick are subtracted here.
 */
export function unusedCredit(sender: Sender): number {
  const outgoing = (sender.session as unknown as { outgoing: OutgoingInternals }).outgoing;
  let queued = 0;
  for (let id = outgoing.next_pending_delivery; id < outgoing.next_delivery_id; id++) {
    if (outgoing.deliveries.by_id(id)?.link === sender) queued++;
  }
  return internals(sender).credit - queued;
}

/**
 * Answers the client's drain request with a flow carrying drain=true once the queued deliveries are written,
 * advancing the delivery count over any unused credit. (rhea only echoes the drain when credit is left; Service
 * Bus always echoes it, and the SDK waits for it.)
 */
export function answerDrain(sender: Sender): void {
  const s = sender as unknown as { _draining: boolean; _drained: boolean; credit: number; delivery_count: number; issue_flow: boolean; _get_drain(): boolean };
  if (!s._draining) return;
  s._get_drain = function (this: typeof s): boolean {
    if (!this._draining) return false;
    this.delivery_count += this.credit;
    this.credit = 0;
    this._draining = false;
    return true;
  };
  s.issue_flow = true;
  flush(sender);
}

/** Whether the client asked this sender to drain and has not been answered yet. */
export function draining(sender: Sender): boolean {
  return (sender as unknown as { _draining: boolean })._draining;
}

/** Makes rhea write pending frames (flows) on its next tick. */
export function flush(l: link): void {
  internals(l).connection._register();
}

/**
 * Settles an outgoing delivery with `state` and forgets it: in receiver-settles-second mode the SDK never sends
 * its own settlement, so without this rhea's 2048-slot session buffer would fill up.
 */
export function settleOutgoing(delivery: Delivery, state: unknown): void {
  delivery.update(true, state);
  (delivery as unknown as { remote_settled: boolean }).remote_settled = true;
}

/**
 * Tells rhea its socket is gone. rhea listens for 'end' and 'error' only, so a socket the broker destroys would
 * leave the connection "open", still writing (and arming 30 s heartbeat timers) into the void.
 */
export function socketClosed(connection: Connection): void {
  (connection as unknown as { eof(): void }).eof();
}
