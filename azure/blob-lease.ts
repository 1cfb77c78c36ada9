import { randomUUID } from 'node:crypto';
import type { BlobClient, BlobLeaseClient } from '@azure/storage-blob';
import type { Subscription } from 'rxjs';
import { LeaseLostError, type Lease } from 'tributary';
import { requirePositiveDuration } from '../src/core/validate';
import { sleep, timing, type Timing, type TimingOptions } from './scheduling';
import { errorSummary, isTransientStorageError, storageErrorCode, StorageCaller, type BlobRetryOptions, type CallTarget } from './storage-call';

/** Options of `BlobLease`. */
export interface BlobLeaseOptions extends TimingOptions {
  /** Lease duration in seconds, 15 to 60 (Azure's limits); default 60. A crashed owner's lease frees after this. */
  readonly durationSeconds?: number;
  /** Time between renewals; default a third of the duration. */
  readonly renewIntervalMs?: number;
  /**
   * The lease counts as lost when no renewal has succeeded for this long (measured from when the last successful
   * renewal was sent); default two thirds of the duration. Must be longer than `renewIntervalMs` and shorter
   * than the duration, so the owner stops before the lease can expire.
   */
  readonly lossTimeoutMs?: number;
  /** How often a standby retries acquiring; default a third of the duration. */
  readonly acquireRetryMs?: number;
  /** Fraction of `acquireRetryMs` taken off at random, so standbys spread out (0 to 1; default 0.5). */
  readonly acquireJitter?: number;
  /** Create the blob (empty) if it does not exist, so it can be leased; default true. */
  readonly createBlob?: boolean;
  /**
   * Creates the blob's container when acquiring finds none (with `createBlob`); default: a missing container is
   * an error. `BlobCheckpointStore.lease` passes the store's own when the store has `createContainer: true`.
   */
  readonly createContainer?: () => Promise<void>;
  /** The lease id to use; default a random UUID. */
  readonly leaseId?: string;
  /** Retries of transient failures when acquiring and releasing (renewals are retried by the watchdog). */
  readonly retry?: BlobRetryOptions;
}

type State = 'idle' | 'acquiring' | 'held' | 'lost';

/**
 * A single-owner lease on a blob: by default the checkpoint blob itself (`BlobCheckpointStore.lease(key)`), so
 * the storage service refuses checkpoint writes from a deposed owner (server-side fencing).
 *
 * - `acquire()` takes the lease if it is free; otherwise it waits and retries every `acquireRetryMs` (minus
 *   jitter) until the owner releases it or it expires. It never breaks a live lease.
 * - While held, a watchdog renews it every `renewIntervalMs` (a failed renewal is retried sooner).
 * - `onLost` listeners are called when a renewal is refused (409/412: someone else owns it) or when no renewal
 *   succeeded for `lossTimeoutMs` (storage unreachable), which is before the lease can expire on the server.
 * - `release()` on graceful shutdown lets a standby take over at once.
 *
 * @example
 * const lease = new BlobLease(container.getBlobClient('locks/orders'), { durationSeconds: 30 });
 * await lease.acquire();                 // standby until the lease is free
 * lease.onLost((e) => control.abort(e)); // stop working the moment ownership is in doubt
 */
export class BlobLease implements Lease {
  readonly leaseId: string;
  readonly description: string;
  private readonly client: BlobLeaseClient;
  private readonly timing: Timing;
  private readonly caller: StorageCaller;
  private readonly durationSeconds: number;
  private readonly renewIntervalMs: number;
  private readonly lossTimeoutMs: number;
  private readonly acquireRetryMs: number;
  private readonly acquireJitter: number;
  private readonly createBlob: boolean;
  private readonly createContainer: (() => Promise<void>) | undefined;
  private readonly listeners = new Set<(error: LeaseLostError) => void>();
  private state: State = 'idle';
  /** Incremented whenever ownership ends, so late renewal responses of an earlier term are ignored. */
  private term = 0;
  private renewedAt = 0;
  private renewTimer: Subscription | undefined;
  private deadlineTimer: Subscription | undefined;
  private stopRequests = new AbortController();
  private acquiring: Promise<void> | undefined;

  constructor(
    private readonly blob: BlobClient,
    options: BlobLeaseOptions = {},
  ) {
    const op = 'BlobLease';
    const duration = options.durationSeconds ?? 60;
    if (!Number.isInteger(duration) || duration < 15 || duration > 60) {
      throw new RangeError(`${op}: durationSeconds must be an integer from 15 to 60, got ${String(duration)}`);
    }
    this.durationSeconds = duration;
    this.renewIntervalMs = requirePositiveDuration(op, 'renewIntervalMs', options.renewIntervalMs ?? (duration * 1000) / 3);
    this.lossTimeoutMs = requirePositiveDuration(op, 'lossTimeoutMs', options.lossTimeoutMs ?? (duration * 2000) / 3);
    if (this.lossTimeoutMs <= this.renewIntervalMs || this.lossTimeoutMs >= duration * 1000) {
      throw new RangeError(
        `${op}: lossTimeoutMs must be longer than renewIntervalMs (${this.renewIntervalMs}) and shorter than the ` +
          `duration (${duration * 1000} ms), got ${this.lossTimeoutMs}`,
      );
    }
    this.acquireRetryMs = requirePositiveDuration(op, 'acquireRetryMs', options.acquireRetryMs ?? (duration * 1000) / 3);
    const jitter = options.acquireJitter ?? 0.5;
    if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
      throw new RangeError(`${op}: acquireJitter must be a number from 0 to 1, got ${String(jitter)}`);
    }
    this.acquireJitter = jitter;
    this.createBlob = options.createBlob ?? true;
    this.createContainer = this.createBlob ? options.createContainer : undefined;
    this.leaseId = options.leaseId ?? randomUUID();
    this.client = blob.getBlobLeaseClient(this.leaseId);
    this.timing = timing(options);
    this.caller = new StorageCaller(op, options.retry, this.timing);
    this.description = `blob '${blob.name}' in container '${blob.containerName}'`;
  }

  /**
   * When the last successful acquisition or renewal was sent (scheduler time, ms). Unless an administrator breaks
   * it, the lease is ours until `lastRenewedAt + durationSeconds * 1000`: check before an action that must not
   * outlive ownership.
   */
  get lastRenewedAt(): number {
    return this.renewedAt;
  }

  get isHeld(): boolean {
    return this.state === 'held' && this.now() - this.renewedAt < this.lossTimeoutMs;
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (this.state === 'held') return Promise.resolve();
    if (this.acquiring === undefined) {
      this.state = 'acquiring';
      this.acquiring = this.acquireLoop(this.stopSignal()).finally(() => {
        this.acquiring = undefined;
        if (this.state === 'acquiring') this.state = 'idle';
      });
    }
    return signal === undefined ? this.acquiring : abortable(this.acquiring, signal, () => this.stopRequests.abort(signal.reason));
  }

  /** One attempt: takes the lease if it is free. Resolves `false` if another owner holds it. */
  async tryAcquire(): Promise<boolean> {
    if (this.state === 'held') return true;
    return this.attemptAcquire(this.stopSignal());
  }

  async release(): Promise<void> {
    if (this.state === 'acquiring') this.stopRequests.abort(new Error(`released ${this.description} while acquiring it`));
    if (this.state !== 'held') return;
    this.endTerm('idle');
    try {
      await this.caller.call(this.target('release lease'), (abortSignal) => this.client.releaseLease({ abortSignal }), {
        expected: (e) => storageErrorCode(e).status === 409,
      });
    } catch (e) {
      if (storageErrorCode(e).status !== 409) throw e; // 409: no longer ours (expired and taken), nothing to release
    }
  }

  /**
   * Renews at once, to check ownership after an operation under the lease was refused; afterwards `isHeld` tells
   * whether it is still held (a refusal marks it lost and calls the `onLost` listeners).
   */
  async renewNow(): Promise<void> {
    if (this.state === 'held') await this.renew(this.term);
  }

  onLost(listener: (error: LeaseLostError) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Marks the lease as lost because an operation that relies on it was refused (a checkpoint write failed with
   * 412, or the lease is not held any more); calls the `onLost` listeners if it was held. Returns the error to
   * fail that operation with. Used by `BlobCheckpointStore`.
   */
  invalidate(reason: string, cause?: unknown): LeaseLostError {
    const error = new LeaseLostError(`lost the lease on ${this.description}: ${reason}`, { cause });
    if (this.state === 'held') this.lose(error);
    return error;
  }

  private async acquireLoop(stop: AbortSignal): Promise<void> {
    while (!(await this.attemptAcquire(stop))) {
      await sleep(this.timing.scheduler, this.acquireRetryMs * (1 - this.acquireJitter * this.timing.random()), stop);
    }
  }

  private async attemptAcquire(stop: AbortSignal): Promise<boolean> {
    const sentAt = this.now();
    try {
      await this.caller.call(this.target('acquire lease'), (abortSignal) => this.client.acquireLease(this.durationSeconds, { abortSignal }), {
        expected: (e) =>
          storageErrorCode(e).status === 409 ||
          (this.createBlob && storageErrorCode(e).code === 'BlobNotFound') ||
          (this.createContainer !== undefined && storageErrorCode(e).code === 'ContainerNotFound'),
        signal: stop,
      });
    } catch (e) {
      if (storageErrorCode(e).status === 409) return false; // held by another owner (or being broken): stand by
      const missingContainer = this.createContainer !== undefined && storageErrorCode(e).code === 'ContainerNotFound';
      if (storageErrorCode(e).code !== 'BlobNotFound' && !missingContainer) throw e;
      if (missingContainer) await this.createContainer!();
      await this.createEmptyBlob(stop);
      return this.attemptAcquire(stop);
    }
    if (stop.aborted) {
      // Acquired just as the caller gave up: hand it straight back rather than leave it to expire.
      await this.client.releaseLease().catch(() => undefined);
      throw stop.reason;
    }
    this.state = 'held';
    this.renewedAt = sentAt;
    this.armDeadline();
    this.scheduleRenewal(this.renewIntervalMs);
    return true;
  }

  private async createEmptyBlob(stop: AbortSignal): Promise<void> {
    const blob = this.blob.getBlockBlobClient();
    try {
      await this.caller.call(this.target('create blob to lease'), (abortSignal) => blob.upload('', 0, { abortSignal, conditions: { ifNoneMatch: '*' } }), {
        expected: (e) => storageErrorCode(e).status === 409 || storageErrorCode(e).status === 412,
        signal: stop,
      });
    } catch (e) {
      const { status } = storageErrorCode(e);
      if (status !== 409 && status !== 412) throw e; // 409/412: someone else created it first, which is fine
    }
  }

  private scheduleRenewal(delayMs: number): void {
    const term = this.term;
    this.renewTimer?.unsubscribe();
    this.renewTimer = this.timing.scheduler.schedule(() => void this.renew(term), delayMs);
  }

  private async renew(term: number): Promise<void> {
    const sentAt = this.now();
    try {
      await this.caller.call(this.target('renew lease'), (abortSignal) => this.client.renewLease({ abortSignal }), {
        expected: () => true,
        maxAttempts: 1,
        signal: this.stopRequests.signal,
      });
    } catch (e) {
      if (term !== this.term) return;
      if (isTransientStorageError(e)) {
        this.scheduleRenewal(this.renewIntervalMs / 4);
      } else {
        this.lose(new LeaseLostError(`lost the lease on ${this.description}: renewal refused (${errorSummary(e)})`, { cause: e }));
      }
      return;
    }
    if (term !== this.term) return;
    this.renewedAt = sentAt;
    this.armDeadline();
    this.scheduleRenewal(this.renewIntervalMs);
  }

  /** Declares the lease lost `lossTimeoutMs` after the last successful renewal was sent. */
  private armDeadline(): void {
    this.deadlineTimer?.unsubscribe();
    const delay = Math.max(0, this.renewedAt + this.lossTimeoutMs - this.now());
    this.deadlineTimer = this.timing.scheduler.schedule(() => {
      this.lose(new LeaseLostError(`lost the lease on ${this.description}: no renewal succeeded for ${this.lossTimeoutMs} ms`));
    }, delay);
  }

  private lose(error: LeaseLostError): void {
    if (this.state !== 'held') return;
    this.endTerm('lost');
    for (const listener of [...this.listeners]) {
      try {
        listener(error);
      } catch {
        // A listener's failure must not stop the others from hearing about the loss.
      }
    }
  }

  private endTerm(next: State): void {
    this.state = next;
    this.term++;
    this.renewTimer?.unsubscribe();
    this.deadlineTimer?.unsubscribe();
    this.stopRequests.abort(new Error(`stopped using ${this.description}`));
  }

  /** The signal that aborts requests when this term ends (release, loss); a fresh one after the last was used. */
  private stopSignal(): AbortSignal {
    if (this.stopRequests.signal.aborted) this.stopRequests = new AbortController();
    return this.stopRequests.signal;
  }

  private target(action: string): CallTarget {
    return { action, container: this.blob.containerName, blob: this.blob.name };
  }

  private now(): number {
    return this.timing.scheduler.now();
  }
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts (calling `onAbort` then). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal, onAbort: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort();
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
