import type { Blueprint, StageContext } from '../core/blueprint';
import { requireFunction, requireNonNegativeInt } from '../core/validate';
import { FlowWithContext } from '../context/flow-with-context';
import { Flow } from '../dsl/flow';
import { GraphStage, GraphStageLogic } from '../stage/graph-stage';
import { Inlet, Outlet, type Shape } from '../stage/shape';
import { backoffDelay, validateBackoff } from './backoff';

const RETRY = 'retry';

/** Settings shared by the stage and the DSL. */
interface RetryConfig<In, Out> {
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly randomFactor: number;
  readonly maxRetries: number;
  readonly decideRetry: (input: In, output: Out) => In | undefined;
}

/** The coordinator's ports: outer input/output, and the loop through the wrapped flow. */
class RetryShape<In, Out> implements Shape {
  readonly in = new Inlet<In>('retryFlow.in');
  readonly out = new Outlet<Out>('retryFlow.out');
  readonly toInner = new Outlet<In>('retryFlow.toInner');
  readonly fromInner = new Inlet<Out>('retryFlow.fromInner');
  readonly inlets = [this.in, this.fromInner];
  readonly outlets = [this.out, this.toInner];
  deepCopy(): RetryShape<In, Out> {
    return new RetryShape();
  }
}

/**
 * Sends one element at a time through the wrapped flow; on its result asks `decideRetry` and either emits the
 * result or, after a backoff, sends the input `decideRetry` returned through the flow again.
 */
class RetryLogic<In, Out> extends GraphStageLogic {
  /** The input of the element being processed (the latest retry's input during retries). */
  private current: { input: In } | undefined;
  private toSend: { readonly input: In } | undefined;
  private retryNo = 0;

  constructor(
    ctx: StageContext,
    private readonly shape: RetryShape<In, Out>,
    private readonly config: RetryConfig<In, Out>,
  ) {
    super(ctx, shape.inlets, shape.outlets);
    const { in: input, out, toInner, fromInner } = shape;
    this.setHandler(input, {
      onPush: () => {
        const element = this.grab(input);
        this.current = { input: element };
        this.retryNo = 0;
        this.send(element);
      },
      onUpstreamFinish: () => {
        if (!this.current) this.complete(toInner);
      },
    });
    this.setHandler(out, { onPull: () => this.pullIfIdle() });
    this.setHandler(toInner, {
      onPull: () => this.flush(),
      onDownstreamFinish: (cause) => {
        // The wrapped flow takes no more input: finish once its output ends.
        this.cancel(input, cause);
      },
    });
    this.setHandler(fromInner, {
      onPush: () => this.onResult(this.grab(fromInner)),
      onUpstreamFinish: () => {
        if (this.current) throw new Error('RetryFlow: the wrapped flow completed while an element was in flight');
        this.completeStage();
      },
    });
  }

  override preStart(): void {
    this.pull(this.shape.fromInner);
  }

  protected override onTimer(): void {
    if (this.isClosed(this.shape.toInner)) {
      throw new Error('RetryFlow: the wrapped flow cancelled its input, so the element cannot be retried');
    }
    this.send(this.current!.input);
  }

  private onResult(output: Out): void {
    const { out, in: input, toInner, fromInner } = this.shape;
    this.pull(fromInner);
    const current = this.current;
    if (!current) {
      throw new Error('RetryFlow: the wrapped flow emitted an element no input asked for (it must emit one per input)');
    }
    const { maxRetries, decideRetry, minBackoffMs, maxBackoffMs, randomFactor } = this.config;
    const retry = this.retryNo < maxRetries ? decideRetry(current.input, output) : undefined;
    if (retry === undefined) {
      this.current = undefined;
      this.push(out, output);
      if (this.isClosed(input)) this.complete(toInner);
      return;
    }
    current.input = retry;
    this.scheduleOnce(RETRY, backoffDelay(minBackoffMs, maxBackoffMs, randomFactor, this.retryNo++));
  }

  private send(input: In): void {
    this.toSend = { input };
    this.flush();
  }

  private flush(): void {
    const toInner = this.shape.toInner;
    if (!this.toSend || !this.isAvailable(toInner)) return;
    const { input } = this.toSend;
    this.toSend = undefined;
    this.push(toInner, input);
  }

  private pullIfIdle(): void {
    const input = this.shape.in;
    if (!this.current && !this.isClosed(input) && !this.hasBeenPulled(input)) this.pull(input);
  }
}

class RetryCoordinator<In, Out> extends GraphStage<RetryShape<In, Out>> {
  readonly shape = new RetryShape<In, Out>();
  override get name(): string {
    return 'retryFlow';
  }
  constructor(private readonly config: RetryConfig<In, Out>) {
    super();
  }
  createLogicAndMaterializedValue(ctx: StageContext): { logic: GraphStageLogic; mat: void } {
    return { logic: new RetryLogic(ctx, this.shape, this.config), mat: undefined };
  }
}

function retryFlow<In, Out, Mat>(op: string, flow: Flow<In, Out, Mat>, config: RetryConfig<In, Out>): Flow<In, Out, Mat> {
  validateBackoff(op, '', config.minBackoffMs, config.maxBackoffMs, config.randomFactor);
  requireNonNegativeInt(op, 'maxRetries', config.maxRetries);
  if (!(flow instanceof Flow)) throw new TypeError(`${op}: flow must be a Flow, got ${flow === null ? 'null' : typeof flow}`);
  requireFunction(op, 'decideRetry', config.decideRetry);
  // The coordinator's second outlet feeds the wrapped flow, whose output comes back on its second inlet.
  const blueprint: Blueprint = {
    kind: 'graph',
    components: [new RetryCoordinator(config).blueprint, flow.blueprint],
    edges: [
      { from: [0, 1], to: [1, 0] },
      { from: [1, 0], to: [0, 1] },
    ],
    ins: [[0, 0]],
    outs: [[0, 0]],
    combine: (mats) => mats[1],
  };
  return new Flow<In, Out, Mat>(blueprint);
}

/**
 * Retries elements through a flow with exponential backoff (Akka's `RetryFlow`): each element goes through `flow`,
 * which must emit exactly one element per input; `decideRetry(input, output)` returns a new input to try again
 * (after `min(maxBackoffMs, minBackoffMs * 2^n)` plus up to `randomFactor` of it, on the materializer's
 * scheduler) or `undefined` to emit the output. After `maxRetries` retries the last output is emitted as it is.
 * One element is in the flow at a time. The wrapped flow is materialized once; its materialized value is kept.
 *
 * - Emits when: the flow's output for the current element is accepted (or retries are exhausted).
 * - Backpressures when: downstream backpressures, or an element is in the flow or waiting for its retry.
 * - Completes when: upstream completed, the last element was emitted, and the wrapped flow completed.
 * - Fails when: upstream or the wrapped flow fails, `decideRetry` throws, or the wrapped flow breaks the one-out-
 *   per-in contract (emits without input, completes with an element in flight, cannot take a retry).
 */
export const RetryFlow = {
  /**
   * @example
   * const send = Flow.create<Msg>().mapAsync(1, m => client.send(m).then(() => ok, e => failed(e)));
   * source.via(RetryFlow.withBackoff(100, 10_000, 0.2, 5, send, (msg, res) => (res.retryable ? msg : undefined)))
   */
  withBackoff<In, Out, Mat>(
    minBackoffMs: number,
    maxBackoffMs: number,
    randomFactor: number,
    maxRetries: number,
    flow: Flow<In, Out, Mat>,
    decideRetry: (input: In, output: Out) => In | undefined,
  ): Flow<In, Out, Mat> {
    return retryFlow('RetryFlow.withBackoff', flow, { minBackoffMs, maxBackoffMs, randomFactor, maxRetries, decideRetry });
  },

  /**
   * `withBackoff` for a `FlowWithContext`: `decideRetry` gets the `[input, context]` and `[output, context]` pairs
   * and returns the pair to retry (usually with the same context) or `undefined`.
   * @example
   * messages.asSourceWithContext(m => m.offset)
   *   .via(RetryFlow.withBackoffAndContext(100, 10_000, 0.2, 5, publish, ([m, o], [res]) => (res.retryable ? [m, o] : undefined)))
   */
  withBackoffAndContext<In, Ctx, Out, Mat>(
    minBackoffMs: number,
    maxBackoffMs: number,
    randomFactor: number,
    maxRetries: number,
    flow: FlowWithContext<In, Ctx, Out, Ctx, Mat>,
    decideRetry: (input: [In, Ctx], output: [Out, Ctx]) => [In, Ctx] | undefined,
  ): FlowWithContext<In, Ctx, Out, Ctx, Mat> {
    const op = 'RetryFlow.withBackoffAndContext';
    if (!(flow instanceof FlowWithContext)) {
      throw new TypeError(`${op}: flow must be a FlowWithContext, got ${flow === null ? 'null' : typeof flow}`);
    }
    const config = { minBackoffMs, maxBackoffMs, randomFactor, maxRetries, decideRetry };
    return FlowWithContext.fromTuples(retryFlow(op, flow.asFlow(), config));
  },
};
