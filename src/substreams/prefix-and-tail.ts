import type { Blueprint, StageContext } from '../core/blueprint';
import { requireNonNegativeInt, requirePositiveDuration } from '../core/validate';
import type { NotUsed } from '../dsl/keep';
import type { Source } from '../dsl/source';
import { ConsumerHubLogic, consumerSource, type ConsumerPeer } from '../hubs/consumer-source';
import { Inlet, Outlet } from '../stage/shape';
import { logicBlueprint } from '../stage/stage-blueprint';
import { AlreadyMaterializedError, SubscriptionTimeoutError } from './errors';

/** Options of `prefixAndTail`. */
export interface PrefixAndTailOptions {
  /**
   * How long the tail source may stay unmaterialized after the pair was emitted; then upstream is cancelled and
   * the tail fails with `SubscriptionTimeoutError` (Akka's subscription timeout). Default 5000 ms.
   */
  readonly subscriptionTimeoutMs?: number;
}

const inlet = new Inlet<any>('prefixAndTail.in');
const outlet = new Outlet<any>('prefixAndTail.out');
const TIMEOUT = 'subscriptionTimeout';

/**
 * The `Source` class, loaded on first use: `dsl/source` imports this module (through `flow-ops`), so a static
 * import would be circular.
 */
function sourceClass(): typeof Source {
  return (require('../dsl/source') as typeof import('../dsl/source')).Source;
}

/**
 * Collects up to `n` elements, emits `[prefix, tail]` and completes its outlet; the stage then keeps running as
 * the upstream of the tail source (materialized once, anywhere), passing one element per pull of the tail.
 */
class PrefixAndTailLogic<T> extends ConsumerHubLogic<T> {
  private prefix: T[] = [];
  private emitted = false;
  private tail: ConsumerPeer<T> | undefined;
  private tailUsed = false;

  constructor(
    ctx: StageContext,
    private readonly n: number,
    private readonly timeoutMs: number,
  ) {
    super(ctx, [inlet], [outlet]);
    this.setHandler(inlet, {
      onPush: () => {
        const element = this.grab(inlet);
        if (this.emitted) this.tail!.push(element);
        else if (this.prefix.push(element) === this.n) this.emitPair();
        else this.pull(inlet);
      },
      onUpstreamFinish: () => {
        if (!this.emitted) this.emitPair();
        this.completeStage();
      },
    });
    this.setHandler(outlet, {
      onPull: () => {
        if (this.n === 0) this.emitPair();
        else this.pull(inlet);
      },
    });
  }

  private emitPair(): void {
    this.emitted = true;
    const tail: Source<T, NotUsed> = new (sourceClass())(consumerSource(`${this.ctx.name}.tail`, this.endpoint));
    this.emit(outlet, [this.prefix, tail]);
    this.prefix = [];
    this.complete(outlet);
    if (!this.isClosed(inlet)) this.scheduleOnce(TIMEOUT, this.timeoutMs);
  }

  protected onAttach(id: number, peer: ConsumerPeer<T>): void {
    if (this.tailUsed) {
      this.release(id, this.alreadyMaterialized());
      return;
    }
    this.tailUsed = true;
    this.tail = peer;
    this.cancelTimer(TIMEOUT);
  }

  protected override answerLate(peer: ConsumerPeer<T>, terminal: { readonly error?: unknown }): void {
    if (this.tailUsed) peer.fail(this.alreadyMaterialized());
    else super.answerLate(peer, terminal);
  }

  private alreadyMaterialized(): AlreadyMaterializedError {
    return new AlreadyMaterializedError(`${this.ctx.name}: the tail source can be materialized only once`);
  }

  protected onConsumerPull(): void {
    this.tryPull(inlet);
  }

  protected onDetach(): void {
    this.cancelStage();
  }

  protected override onTimer(): void {
    this.terminalError = new SubscriptionTimeoutError(
      `${this.ctx.name}: the tail source was not materialized within ${this.timeoutMs} ms`,
    );
    this.cancelStage();
  }
}

/** @internal `prefixAndTail(n)`. */
export function prefixAndTail(n: number, options: PrefixAndTailOptions = {}): Blueprint {
  requireNonNegativeInt('prefixAndTail', 'n', n);
  const timeout = options.subscriptionTimeoutMs ?? 5_000;
  requirePositiveDuration('prefixAndTail', 'subscriptionTimeoutMs', timeout);
  return logicBlueprint('prefixAndTail', (ctx) => new PrefixAndTailLogic(ctx, n, timeout), inlet, outlet);
}
