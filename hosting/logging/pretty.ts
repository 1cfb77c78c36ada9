/** The readable, coloured line format for a terminal (a TTY outside a container). */
import type { LogRecord } from './log-record';

const COLOURS: Readonly<Record<string, string>> = {
  debug: '\x1b[90m',
  info: '\x1b[36m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/** Attributes the pretty format leaves out: they are the same on every line or shown in the line's head. */
const HEAD = new Set(['timestamp', 'status', 'message', 'logger', 'error', 'dd']);

/**
 * `12:00:01.234 INFO  [orders-cdc] message key=value …`, then the error stack (dimmed). `hidden` lists the
 * base attributes (service, env, stream id…) that would repeat on every line.
 */
export function formatPretty(record: LogRecord, hidden: ReadonlySet<string>): string {
  const status = String(record.status);
  const time = String(record.timestamp).slice(11, 23);
  const name = (record.logger as { name?: unknown } | undefined)?.name;
  const extras = Object.entries(record)
    .filter(([key]) => !HEAD.has(key) && !hidden.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const dd = record.dd as { trace_id?: unknown } | undefined;
  if (dd?.trace_id !== undefined) extras.push(`trace_id=${String(dd.trace_id)}`);
  const colour = COLOURS[status] ?? '';
  const level = `${colour}${status.toUpperCase().padEnd(5)}${RESET}`;
  let line = `${DIM}${time}${RESET} ${level} [${String(name)}] ${String(record.message)}`;
  if (extras.length > 0) line += ` ${DIM}${extras.join(' ')}${RESET}`;
  const error = record.error as { kind: string; message: string; stack?: string } | undefined;
  if (error !== undefined) line += `\n${colour}${error.stack ?? `${error.kind}: ${error.message}`}${RESET}`;
  return line;
}
