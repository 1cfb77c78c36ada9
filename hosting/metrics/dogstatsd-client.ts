/**
 * A small DogStatsD client over UDP: lines go into a bounded ring (the oldest dropped and counted when full) and
 * leave in packets of at most `maxPacketBytes`, every `flushIntervalMs` or as soon as a packet is full. The socket
 * and timer are unref'd, and no method throws: metrics never fail or hold up the stream.
 *
 * Unix domain sockets (`DD_DOGSTATSD_URL=unix:///…`) are not supported: DogStatsD's socket is a datagram socket
 * and Node.js has no Unix datagram sockets. Use UDP (the agent's `hostPort` 8125 or its service).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { RingBuffer } from '../../src/core/ring-buffer';
import { requireDuration, requirePositiveInt } from '../../src/core/validate';
import { ConfigurationError } from '../errors';
import { nonEmpty, type Env } from '../logging/stream-identity';

/** Where DogStatsD listens. */
export interface DogStatsdEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Tuning of the client; every field has a default. */
export interface DogStatsdClientSettings {
  /** Lines held before sending; when full the oldest is dropped. Default 10 000. */
  readonly maxQueue?: number;
  /** Largest datagram. Default 1432 (fits a 1500-byte MTU). */
  readonly maxPacketBytes?: number;
  /** How long a line may wait for its packet to fill. Default 500 ms. */
  readonly flushIntervalMs?: number;
}

/** Counters of the client. */
export interface DogStatsdClientStats {
  readonly queued: number;
  readonly sentPackets: number;
  /** Lines dropped because the queue was full. */
  readonly dropped: number;
  /** Datagrams the socket failed to send. */
  readonly sendErrors: number;
}

/**
 * The endpoint from `url` / `DD_DOGSTATSD_URL` (`udp://host:port`), else `DD_AGENT_HOST` (default `127.0.0.1`)
 * and `DD_DOGSTATSD_PORT` (default 8125). Throws naming the variable for a `unix://` URL or a bad port.
 */
export function resolveEndpoint(env: Env, url?: string): DogStatsdEndpoint {
  const raw = url ?? nonEmpty(env.DD_DOGSTATSD_URL);
  const source = url !== undefined ? 'url' : 'DD_DOGSTATSD_URL';
  if (raw !== undefined) {
    if (/^unix(gram|stream)?:\/\//i.test(raw)) {
      throw new ConfigurationError(
        `${source}=${raw}: DogStatsD over a Unix domain socket is not supported (Node.js has no Unix datagram ` +
          'sockets); use UDP: set DD_DOGSTATSD_URL=udp://<agent host>:8125, or unset it and set DD_AGENT_HOST',
      );
    }
    const match = /^udp:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/i.exec(raw);
    if (match === null) throw new ConfigurationError(`${source} must look like udp://host:port, got '${raw}'`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port: parsePort(source, match[2] ?? '8125') };
  }
  const port = nonEmpty(env.DD_DOGSTATSD_PORT);
  return {
    host: nonEmpty(env.DD_AGENT_HOST) ?? '127.0.0.1',
    port: port === undefined ? 8125 : parsePort('DD_DOGSTATSD_PORT', port),
  };
}

function parsePort(name: string, raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigurationError(`${name}: port must be an integer in 1..65535, got '${raw}'`);
  }
  return port;
}

export class DogStatsdClient {
  private readonly socket: Socket;
  private readonly queue: RingBuffer<string>;
  private readonly maxPacketBytes: number;
  private readonly flushIntervalMs: number;
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private idle: (() => void) | undefined;
  private closed = false;
  private sentPackets = 0;
  private dropped = 0;
  private sendErrors = 0;

  constructor(
    private readonly endpoint: DogStatsdEndpoint,
    settings: DogStatsdClientSettings = {},
  ) {
    const op = 'createDogStatsdMetrics';
    this.queue = new RingBuffer(requirePositiveInt(op, 'maxQueue', settings.maxQueue ?? 10_000));
    this.maxPacketBytes = requirePositiveInt(op, 'maxPacketBytes', settings.maxPacketBytes ?? 1432);
    this.flushIntervalMs = requireDuration(op, 'flushIntervalMs', settings.flushIntervalMs ?? 500);
    this.socket = createSocket(isIPv6(endpoint.host) ? 'udp6' : 'udp4');
    this.socket.on('error', () => this.sendErrors++);
    this.socket.unref();
  }

  stats(): DogStatsdClientStats {
    return { queued: this.queue.size, sentPackets: this.sentPackets, dropped: this.dropped, sendErrors: this.sendErrors };
  }

  /** Queues one DogStatsD line (no newline). */
  send(line: string): void {
    if (this.closed) return;
    if (this.queue.isFull) {
      this.queuedBytes -= Buffer.byteLength(this.queue.shift()) + 1;
      this.dropped++;
    }
    this.queue.push(line);
    this.queuedBytes += Buffer.byteLength(line) + 1;
    if (this.queuedBytes >= this.maxPacketBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushIntervalMs).unref();
  }

  /** Sends every queued line now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (!this.queue.isEmpty) {
      let packet = this.queue.shift();
      let bytes = Buffer.byteLength(packet);
      while (!this.queue.isEmpty && bytes + 1 + Buffer.byteLength(this.queue.peek()) <= this.maxPacketBytes) {
        const line = this.queue.shift();
        packet += `\n${line}`;
        bytes += 1 + Buffer.byteLength(line);
      }
      this.transmit(packet);
    }
    this.queuedBytes = 0;
  }

  /** Sends what is queued, waits for the datagrams to leave, and closes the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private transmit(packet: string): void {
    this.inFlight++;
    try {
      this.socket.send(packet, this.endpoint.port, this.endpoint.host, (error) => this.sent(error));
    } catch {
      this.sent(new Error('send failed'));
    }
  }

  private sent(error: Error | null): void {
    if (error) this.sendErrors++;
    else this.sentPackets++;
    if (--this.inFlight === 0) this.idle?.();
  }
}
