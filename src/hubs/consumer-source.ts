import type { Blueprint, StageContext } from '../core/blueprint';
import { GraphStageLogic } from '../stage/graph-stage';
import { Outlet, type Inlet } from '../stage/shape';
import { logicBlueprint } from '../stage/stage-blueprint';

/** What a hub calls on one of its consumers: async callbacks of the consumer's logic, safe from anywhere. */
export interface ConsumerPeer<T> {
  /** One element, answering one `pull`. */
  readonly push: (element: T) => void;
  readonly complete: () => void;
  readonly fail: (error: unknown) => void;
}

/** What a consumer calls on its hub: async callbacks of the hub's logic (ignored once the hub stopped). */
export interface HubEndpoint<T> {
  /** Registers a consumer and returns its id; a hub that already stopped completes or fails it at once. */
  attach(peer: ConsumerPeer<T>): number;
  /** The consumer wants one element. */
  pull(id: number): void;
  /** The consumer cancelled. */
  detach(id: number): void;
}

const outlet = new Outlet<any>('hubConsumer.out');

/** A stage in the consumer's stream that forwards the hub's elements downstream, one per pull. */
class ConsumerLogic<T> extends GraphStageLogic {
  private id = -1;

  constructor(
    ctx: StageContext,
    private readonly hub: HubEndpoint<T>,
  ) {
    super(ctx, [], [outlet]);
    this.setHandler(outlet, {
      onPull: () => this.hub.pull(this.id),
      onDownstreamFinish: () => {
        this.hub.detach(this.id);
        this.completeStage();
      },
    });
  }

  override preStart(): void {
    this.id = this.hub.attach({
      push: this.getAsyncCallback((element: T) => this.push(outlet, element)),
      complete: this.getAsyncCallback<void>(() => this.completeStage()),
      fail: this.getAsyncCallback((error: unknown) => this.failStage(error)),
    });
  }
}

/** @internal A source that is one consumer of `hub` each time it is materialized. */
export function consumerSource<T>(name: string, hub: HubEndpoint<T>): Blueprint {
  return logicBlueprint(name, (ctx) => new ConsumerLogic(ctx, hub), undefined, outlet);
}

/**
 * Base of the logics that serve consumers materialized in other streams (BroadcastHub, PartitionHub, the tail of
 * prefixAndTail). Consumers talk to it only through `endpoint` (its async callbacks), so every hub callback runs
 * serialized in this logic. Consumers it still knows when it stops are completed, or failed with `terminalError`;
 * consumers attaching later are answered at once the same way.
 */
export abstract class ConsumerHubLogic<T> extends GraphStageLogic {
  /** @internal */
  readonly endpoint: HubEndpoint<T>;
  /** Fails (instead of completing) the consumers known when the stage stops, and later ones; set by `failStage`. */
  protected terminalError: unknown;
  private readonly known = new Map<number, ConsumerPeer<T>>();
  private nextId = 0;
  private terminal: { readonly error?: unknown } | undefined;

  constructor(ctx: StageContext, inlets: readonly Inlet<any>[], outlets: readonly Outlet<any>[]) {
    super(ctx, inlets, outlets);
    const attached = this.getAsyncCallback((id: number) => {
      const peer = this.known.get(id);
      if (peer) this.onAttach(id, peer);
    });
    const pulled = this.getAsyncCallback((id: number) => {
      if (this.known.has(id)) this.onConsumerPull(id);
    });
    const detached = this.getAsyncCallback((id: number) => {
      if (this.known.delete(id)) this.onDetach(id);
    });
    this.endpoint = {
      attach: (peer) => {
        if (this.terminal) {
          this.answerLate(peer, this.terminal);
          return -1;
        }
        const id = this.nextId++;
        this.known.set(id, peer);
        attached(id);
        return id;
      },
      pull: pulled,
      detach: detached,
    };
  }

  /** A consumer attached. */
  protected abstract onAttach(id: number, peer: ConsumerPeer<T>): void;
  /** Consumer `id` wants one element. */
  protected abstract onConsumerPull(id: number): void;
  /** Consumer `id` cancelled. */
  protected abstract onDetach(id: number): void;

  /** Answers a consumer attaching after the stage stopped. Default: complete it, or fail it like the others. */
  protected answerLate(peer: ConsumerPeer<T>, terminal: { readonly error?: unknown }): void {
    if ('error' in terminal) peer.fail(terminal.error);
    else peer.complete();
  }

  /** Completes consumer `id` (or fails it with `error`) and forgets it. */
  protected release(id: number, error?: unknown): void {
    const peer = this.known.get(id);
    if (!peer) return;
    this.known.delete(id);
    if (error === undefined) peer.complete();
    else peer.fail(error);
  }

  /** Fails the stage and, with it, the consumers it knows and later ones. */
  override failStage(error: unknown): void {
    this.terminalError ??= this.ctx.failure(error);
    super.failStage(error);
  }

  override postStop(): void {
    const error = this.terminalError;
    this.terminal = error === undefined ? {} : { error };
    for (const id of [...this.known.keys()]) this.release(id, error);
  }
}
