import type { Socket } from 'node:net';
import type { SqlErrorSpec, SqlResponse, TdsServerStats } from './api';
import { columnCodec, type ColumnCodec } from './column-codecs';
import { ResponseAborted, type PacketWriter } from './packets';
import { DoneStatus, Token } from './protocol';
import { writeColMetadata, writeDone, writeReturnStatus, writeRow, writeSqlError } from './tokens';
import type { TdsWriter } from './wire';

/** Error number for handler bugs (a throwing handler, a value that does not fit its column). */
export const HANDLER_ERROR = 50000;

/** A request being answered: set `attention` and resolve `aborted` when the client sends ATTENTION. */
export interface Cancellation {
  readonly attention: boolean;
  readonly aborted: Promise<'attention'>;
}

/** Everything one response is written with. */
export interface ResponseContext {
  readonly socket: Socket;
  readonly out: PacketWriter;
  /** Token scratch buffer; may already hold tokens (ENVCHANGE) to send first. */
  readonly w: TdsWriter;
  readonly stats: TdsServerStats;
  readonly serverName: string;
  readonly cancellation: Cancellation;
  inTransaction(): boolean;
}

/** Sends what `w` holds and ends the message (EOM). */
export function finishMessage(ctx: ResponseContext): void {
  ctx.out.write(ctx.w.view());
  ctx.out.end();
}

/** Ends a cancelled request's response with a bare DONE; the attention acknowledgement follows as its own message. */
export function finishCancelled(ctx: ResponseContext): void {
  if (ctx.socket.destroyed) return;
  writeDone(ctx.w, Token.DONE, DoneStatus.FINAL, 0, 0);
  finishMessage(ctx);
}

/**
 * Writes a handler's answer as a token stream: per result set COLMETADATA, ROW/NBCROW per row, and DONE (batch)
 * or DONEINPROC (RPC) with the row count; DONE per `rowsAffected`; ERROR; for RPCs RETURNSTATUS and DONEPROC.
 * Rows are pulled one at a time and the writer waits for `drain` whenever the socket is full, so a slow client
 * slows the row iterator down instead of growing a buffer. An attention ends the response at the next row;
 * `dropAfter` (fault) destroys the socket after that many rows.
 *
 * @example
 * await writeResponse(ctx, { resultSets: [{ columns: [{ name: 'x', type: 'int' }], rows: [[1]] }] }, 'rpc', undefined);
 */
export async function writeResponse(ctx: ResponseContext, response: SqlResponse, kind: 'batch' | 'rpc', dropAfter: number | undefined): Promise<void> {
  const { w, out, cancellation } = ctx;
  const rpc = kind === 'rpc';
  const doneToken = rpc ? Token.DONEINPROC : Token.DONE;
  const resultSets = 'resultSets' in response ? response.resultSets : [];
  const rowsAffected = 'resultSets' in response ? (response.rowsAffected ?? []) : [];
  let error: SqlErrorSpec | undefined = response.error;
  const steps = resultSets.length + rowsAffected.length;
  const inTx = (): number => (ctx.inTransaction() ? DoneStatus.INXACT : 0);
  // In a batch the last DONE of the message carries no MORE; in an RPC every DONEINPROC does (DONEPROC follows).
  const more = (index: number): number => (rpc || index < steps - 1 || error !== undefined ? DoneStatus.MORE : 0);
  let sent = 0;
  let step = 0;
  try {
    for (const [setIndex, set] of resultSets.entries()) {
      const codecs: ColumnCodec[] = set.columns.map((c) => columnCodec(c));
      writeColMetadata(w, codecs);
      out.write(w.view());
      w.reset();
      let count = 0;
      const rows = rowIterator(set.rows);
      for (;;) {
        const next = rows.next();
        // A slow async row source must not delay the reaction to an attention.
        const item = next instanceof Promise ? await Promise.race([next, cancellation.aborted]) : next;
        if (item === 'attention') return finishCancelled(ctx);
        if (item.done === true) break;
        writeRow(w, codecs, item.value, `result set ${setIndex} row ${count}`);
        out.write(w.view());
        w.reset();
        count++;
        sent++;
        ctx.stats.rowsSent++;
        if (dropAfter !== undefined && sent >= dropAfter) return dropMidResult(ctx);
        if (out.backpressured) await waitForDrain(ctx);
        if (cancellation.attention) return finishCancelled(ctx);
      }
      if (dropAfter !== undefined) return dropMidResult(ctx);
      writeDone(w, doneToken, DoneStatus.COUNT | more(step) | inTx(), count);
      step++;
    }
    for (const count of rowsAffected) {
      writeDone(w, doneToken, DoneStatus.COUNT | more(step) | inTx(), count);
      step++;
    }
  } catch (err) {
    if (err instanceof ResponseAborted) throw err;
    // A handler bug (a value that does not fit its column, a throwing row iterator): report it to the client.
    w.reset();
    error = { number: HANDLER_ERROR, message: `TDS test server: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (error !== undefined) writeSqlError(w, error, ctx.serverName);
  const errorStatus = error !== undefined ? DoneStatus.ERROR : 0;
  if (rpc) {
    writeReturnStatus(w, 'resultSets' in response ? (response.returnStatus ?? 0) : 0);
    writeDone(w, Token.DONEPROC, DoneStatus.FINAL | errorStatus | inTx(), 0);
  } else if (steps === 0 || error !== undefined) {
    writeDone(w, Token.DONE, DoneStatus.FINAL | errorStatus | inTx(), 0);
  }
  finishMessage(ctx);
  // SQL Server closes the connection after an error of severity 20 or more.
  if (error !== undefined && (error.severity ?? 16) >= 20) ctx.socket.end();
}

async function waitForDrain(ctx: ResponseContext): Promise<void> {
  ctx.stats.drainWaits++;
  ctx.stats.responsesBlocked++;
  try {
    await ctx.out.drain();
  } finally {
    ctx.stats.responsesBlocked--;
  }
}

/** Fault: flush the rows so far in a non-final packet and destroy the socket mid-message. */
function dropMidResult(ctx: ResponseContext): never {
  ctx.out.flushPartial();
  ctx.socket.destroy();
  throw new ResponseAborted('closed');
}

type Rows = readonly (readonly unknown[])[] | Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>;
type RowIterator = Iterator<readonly unknown[]> | AsyncIterator<readonly unknown[]>;

/** Arrays and sync iterables are walked without a microtask per row; async iterables are awaited. */
function rowIterator(rows: Rows): RowIterator {
  if (Symbol.asyncIterator in rows) return (rows as AsyncIterable<readonly unknown[]>)[Symbol.asyncIterator]();
  return (rows as Iterable<readonly unknown[]>)[Symbol.iterator]();
}
