import type { Blueprint, StageContext } from '../../core/blueprint';
import { RateExceededError } from '../../core/errors';
import { requireFunction, requirePositiveDuration, requirePositiveInt } from '../../core/validate';
import { FlowLogic, flowLogicBlueprint } from './flow-logic';

/** Options of `throttle`. */
export interface ThrottleOptions<T> {
  /**
   * Bucket size in tokens: how many tokens may be spent at once after an idle period. Default (as Akka): the
   * tokens that arrive in 100 ms, at least 1 — e.g. 10 for `throttle(100, 1_000)`.
   */
  readonly burst?: number;
  /** Tokens an element costs (a non-negative number); default 1. */
  readonly costOf?: (element: T) => number;
  /** `shaping` (default) delays elements until their tokens arrived; `enforcing` fails with `RateExceededError`. */
  readonly mode?: 'shaping' | 'enforcing';
}

/** Rounding slack (in tokens) so that an element arriving exactly when its tokens are due is not delayed. */
const EPSILON = 1e-9;

/**
 * A token bucket refilled continuously at one token per `msPerToken`, holding at most `capacity` tokens. It starts
 * full. Taking more tokens than it holds goes into debt, which later arrivals pay off first.
 */
class TokenBucket {
  private tokens: number;

  constructor(
    readonly capacity: number,
    private readonly msPerToken: number,
    private lastRefill: number,
  ) {
    this.tokens = capacity;
  }

  /** Tokens available at `now` (negative while in debt). */
  available(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.lastRefill) / this.msPerToken);
    this.lastRefill = now;
    return this.tokens;
  }

  /** Takes `cost` tokens; returns how many ms from `now` until they will have arrived (0: they are here). */
  take(cost: number, now: number): number {
    this.tokens = this.available(now) - cost;
    return this.tokens >= -EPSILON ? 0 : -this.tokens * this.msPerToken;
  }
}

/** Pushes elements as tokens allow; in shaping mode holds one element until its tokens arrived. */
class ThrottleLogic<T> extends FlowLogic<T, T> {
  private bucket!: TokenBucket;
  private held: { readonly element: T } | undefined;

  constructor(
    ctx: StageContext,
    private readonly rate: number,
    private readonly perMs: number,
    private readonly burst: number,
    private readonly costOf: ((element: T) => number) | undefined,
    private readonly enforcing: boolean,
  ) {
    super(ctx);
  }

  override preStart(): void {
    this.bucket = new TokenBucket(this.burst, this.perMs / this.rate, this.now());
  }

  protected override onElement(element: T): void {
    let cost = 1;
    if (this.costOf) {
      try {
        cost = this.costOf(element);
      } catch (e) {
        this.failStage(e);
        return;
      }
      if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
        const message = `throttle: costOf must return a finite, non-negative number, got ${String(cost)}`;
        this.failStage(new RangeError(message));
        return;
      }
    }
    const now = this.now();
    if (this.enforcing) {
      const available = this.bucket.available(now);
      if (available + EPSILON < cost) {
        this.failStage(
          new RateExceededError(
            `throttle: rate of ${this.rate} tokens per ${this.perMs} ms (burst ${this.burst}) exceeded: ` +
              `an element costing ${cost} arrived with ${Math.max(0, available).toFixed(2)} tokens available`,
          ),
        );
        return;
      }
    }
    const wait = this.bucket.take(cost, now);
    if (wait === 0) {
      this.push(this.out, element);
    } else {
      this.held = { element };
      this.scheduleOnce('throttle', wait);
    }
  }

  protected override onTimer(): void {
    const held = this.held!;
    this.held = undefined;
    this.push(this.out, held.element);
    if (this.isClosed(this.in)) this.completeStage();
  }

  protected override onUpstreamDone(): void {
    if (!this.held) this.completeStage();
  }
}

/** Akka's automatic burst: the tokens that arrive in 100 ms, at least one. */
function automaticBurst(rate: number, perMs: number): number {
  return Math.max(1, Math.floor((100 * rate) / perMs));
}

/** @internal `throttle(cost, perMs, options)`. */
export function throttle<T>(cost: number, perMs: number, options: ThrottleOptions<T> = {}): Blueprint {
  requirePositiveInt('throttle', 'cost', cost);
  requirePositiveDuration('throttle', 'perMs', perMs);
  const burst = options.burst ?? automaticBurst(cost, perMs);
  requirePositiveInt('throttle', 'burst', burst);
  if (options.costOf !== undefined) requireFunction('throttle', 'costOf', options.costOf);
  const mode = options.mode ?? 'shaping';
  if (mode !== 'shaping' && mode !== 'enforcing') {
    throw new TypeError(`throttle: mode must be 'shaping' or 'enforcing', got ${JSON.stringify(mode)}`);
  }
  const { costOf } = options;
  return flowLogicBlueprint(
    'throttle',
    (ctx) => new ThrottleLogic<T>(ctx, cost, perMs, burst, costOf, mode === 'enforcing'),
  );
}
