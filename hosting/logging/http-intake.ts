/**
 * Ships log records to the Datadog HTTP logs intake (`POST /api/v2/logs`): gzip-compressed JSON batches, one
 * request at a time, retried with exponential backoff on 408/429/5xx and network errors. The queue is a bounded
 * ring: when it is full the oldest record is dropped and counted (the next batch reports how many), so logging
 * never blocks the stream and never grows without bound. Timers are unref'd; `flush()` keeps the process alive
 * until the queue is sent or its deadline passes.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { RingBuffer } from '../../src/core/ring-buffer';
import { requirePositiveInt, requireDuration, requirePositiveDuration } from '../../src/core/validate';
import type { LogRecord } from './log-record';

const gzip = promisify(gzipCallback);

/** Tuning of the HTTP intake; every field has a default. */
export interface HttpIntakeSettings {
  /** Records held while waiting to be sent; when full the oldest is dropped. Default 10 000. */
  readonly maxQueue?: number;
  /** Records per request (Datadog accepts at most 1000). Default 500. */
  readonly maxBatchRecords?: number;
  /** Uncompressed bytes per request (Datadog accepts at most 5 MB). Default 4 000 000. */
  readonly maxBatchBytes?: number;
  /** How long a record may wait for a batch to fill. Default 1000 ms. */
  readonly flushIntervalMs?: number;
  /** Per-request timeout. Default 10 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Attempts per batch before it is dropped. Default 5. */
  readonly maxAttempts?: number;
  /** First retry delay, doubled per attempt (with jitter) up to `maxRetryDelayMs`. Default 500 ms. */
  readonly initialRetryDelayMs?: number;
  /** Default 30 000 ms. */
  readonly maxRetryDelayMs?: number;
  /** Upper bound of `flush()`. Default 10 000 ms. */
  readonly flushTimeoutMs?: number;
}

/** Where and as whom the intake sends. */
export interface HttpIntakeTarget {
  /** Full intake URL, e.g. `https://http-intake.logs.datadoghq.com/api/v2/logs`. */
  readonly url: string;
  readonly apiKey: string;
  /** Added to every record: `ddsource`, `ddtags`, `hostname`, `service`. */
  readonly reserved: Readonly<Record<string, string>>;
  /** Told about batches given up (never throws back into logging). */
  readonly onProblem: (message: string, fields: Readonly<Record<string, unknown>>) => void;
}

/** Counters of the intake. */
export interface HttpIntakeStats {
  /** Records waiting now. */
  readonly queued: number;
  /** Records the intake accepted. */
  readonly sent: number;
  /** Records dropped because the queue was full. */
  readonly dropped: number;
  /** Records given up after a rejection or the last retry. */
  readonly failed: number;
}

const RETRYABLE = new Set([408, 425, 429]);

/** The intake URL for a Datadog site (`DD_SITE`, default `datadoghq.com`). */
export function intakeUrlForSite(site: string): string {
  return `https://http-intake.logs.${site}/api/v2/logs`;
}

export class HttpIntake {
  private readonly queue: RingBuffer<string>;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private readonly flushIntervalMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly initialRetryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly flushTimeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private sent = 0;
  private dropped = 0;
  private droppedUnreported = 0;
  private failed = 0;

  constructor(
    private readonly target: HttpIntakeTarget,
    settings: HttpIntakeSettings = {},
  ) {
    const op = 'createDatadogLogger intake';
    this.queue = new RingBuffer(requirePositiveInt(op, 'maxQueue', settings.maxQueue ?? 10_000));
    this.maxBatchRecords = requirePositiveInt(op, 'maxBatchRecords', settings.maxBatchRecords ?? 500);
    if (this.maxBatchRecords > 1000) {
      throw new RangeError(`${op}: maxBatchRecords must be at most 1000, got ${this.maxBatchRecords}`);
    }
    this.maxBatchBytes = requirePositiveInt(op, 'maxBatchBytes', settings.maxBatchBytes ?? 4_000_000);
    this.flushIntervalMs = requireDuration(op, 'flushIntervalMs', settings.flushIntervalMs ?? 1000);
    this.requestTimeoutMs = requirePositiveDuration(op, 'requestTimeoutMs', settings.requestTimeoutMs ?? 10_000);
    this.maxAttempts = requirePositiveInt(op, 'maxAttempts', settings.maxAttempts ?? 5);
    this.initialRetryDelayMs = requireDuration(op, 'initialRetryDelayMs', settings.initialRetryDelayMs ?? 500);
    this.maxRetryDelayMs = requireDuration(op, 'maxRetryDelayMs', settings.maxRetryDelayMs ?? 30_000);
    this.flushTimeoutMs = requireDuration(op, 'flushTimeoutMs', settings.flushTimeoutMs ?? 10_000);
  }

  stats(): HttpIntakeStats {
    return { queued: this.queue.size, sent: this.sent, dropped: this.dropped, failed: this.failed };
  }

  /** Queues a record; returns at once. */
  enqueue(record: LogRecord): void {
    if (this.queue.isFull) {
      this.queue.shift();
      this.dropped++;
      this.droppedUnreported++;
    }
    this.queue.push(JSON.stringify({ ...record, ...this.target.reserved }));
    if (this.queue.size >= this.maxBatchRecords) this.kick();
    else this.timer ??= unref(setTimeout(() => this.kick(), this.flushIntervalMs));
  }

  /** Sends everything queued; resolves when the queue is empty or after `flushTimeoutMs`. */
  async flush(): Promise<void> {
    let deadline: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (deadline = setTimeout(resolve, this.flushTimeoutMs)));
    const drained = (async () => {
      while (!this.queue.isEmpty || this.sending !== undefined) await (this.sending ?? this.kick());
    })();
    try {
      await Promise.race([drained, expired]);
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Starts sending unless a send is running; resolves when that send loop ends. */
  private kick(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sending ??= this.sendAll().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async sendAll(): Promise<void> {
    while (!this.queue.isEmpty) await this.send(this.takeBatch());
  }

  private takeBatch(): string[] {
    const batch: string[] = [];
    if (this.droppedUnreported > 0) {
      batch.push(JSON.stringify({
        ...this.target.reserved,
        status: 'warn',
        message: `log intake queue full: dropped the ${this.droppedUnreported} oldest log lines`,
        timestamp: new Date().toISOString(),
        droppedLogLines: this.droppedUnreported,
      }));
      this.droppedUnreported = 0;
    }
    let bytes = 2;
    while (!this.queue.isEmpty && batch.length < this.maxBatchRecords) {
      const size = Buffer.byteLength(this.queue.peek()) + 1;
      if (batch.length > 0 && bytes + size > this.maxBatchBytes) break;
      batch.push(this.queue.shift());
      bytes += size;
    }
    return batch;
  }

  private async send(batch: string[]): Promise<void> {
    const body = await gzip(`[${batch.join(',')}]`);
    let problem = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await delay(this.retryDelay(attempt - 1));
      try {
        const response = await fetch(this.target.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'DD-API-KEY': this.target.apiKey },
          body,
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.sent += batch.length;
          return;
        }
        problem = `HTTP ${response.status}`;
        if (!RETRYABLE.has(response.status) && response.status < 500) break;
      } catch (e) {
        problem = (e as Error).message;
      }
    }
    this.failed += batch.length;
    this.target.onProblem('Datadog log intake: dropped a batch of log lines', { lines: batch.length, reason: problem });
  }

  private retryDelay(retry: number): number {
    const ceiling = Math.min(this.maxRetryDelayMs, this.initialRetryDelayMs * 2 ** (retry - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => unref(setTimeout(resolve, ms)));
}

function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}
