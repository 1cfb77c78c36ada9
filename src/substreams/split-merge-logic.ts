import { seq, type Blueprint, type StageContext } from '../core/blueprint';
import { Deque } from '../core/deque';
import type { BufferStats } from '../core/materializer';
import { GraphStageLogic } from '../stage/graph-stage';
import { Inlet, Outlet } from '../stage/shape';
import { logicBlueprint } from '../stage/stage-blueprint';
import { SubSinkInlet, SubSourceOutlet } from '../stage/sub-stream';

const inlet = new Inlet<any>('substreams.in');
const outlet = new Outlet<any>('substreams.out');

/** Counters of a substream stage (`groupBy`, `splitWhen`, `splitAfter`), exposed as its `BufferStats`. */
export interface SubstreamStats extends BufferStats {
  /** Substreams whose input is open (for `groupBy`: the keys held). */
  readonly openSubstreams: number;
  /** Substreams running: open, or with their input closed and their output not finished yet. */
  readonly liveSubstreams: number;
  /** Substreams opened since materialization. */
  readonly substreamsOpened: number;
}

/** One substream: `input` feeds the per-substream flow, `output` receives what the flow emits. */
export class Substream<In> {
  input!: SubSourceOutlet<In>;
  output!: SubSinkInlet<unknown>;
  inputClosed = false;
  /** Scheduler time of the last element handed to it (or of its creation). */
  lastElementAt = 0;
  constructor(readonly key: unknown) {}
}

/** The element waiting for its substream to pull (`target`), or for room to open a new one (`target` undefined). */
interface Pending<In> {
  readonly element: In;
  readonly key: unknown;
  readonly target: Substream<In> | undefined;
  readonly closeAfter: boolean;
}

/**
 * The split side and the merge side of a SubFlow in one logic, so backpressure stays simple: each substream is
 * `SubSourceOutlet → per-substream flow → SubSinkInlet`, materialized when the substream opens.
 *
 * Split side: one parent element is held at most (`pending`) while its substream has not pulled, or while no
 * substream can be opened; the parent is pulled only when nothing is pending, so one slow substream backpressures
 * the parent (Akka). Merge side: each substream's output is pulled one element at a time; substreams holding an
 * element queue up in arrival order (at most one entry per live substream). At most `maxLive` substreams run at
 * once (open, or closed and still draining): a new one waits for one to finish.
 *
 * Subclasses decide where an element goes: `classify` computes its key once (supervised), `place` routes it with
 * `deliver`, `openWith` or `hold`.
 */
export abstract class SplitMergeLogic<In> extends GraphStageLogic implements SubstreamStats {
  private readonly ready = new Deque<Substream<In>>();
  private readonly liveSet = new Set<Substream<In>>();
  private pending: Pending<In> | undefined;
  private openCount = 0;
  private opened = 0;
  private pulledOnce = false;
  private upstreamDone = false;
  private _peak = 0;

  constructor(
    ctx: StageContext,
    private readonly perSubstream: Blueprint,
    /** How many substreams may run at once (the merge's parallelism). */
    protected readonly maxLive: number,
  ) {
    super(ctx, [inlet], [outlet]);
    this.setHandler(inlet, {
      onPush: () => this.onElement(this.grab(inlet)),
      onUpstreamFinish: () => {
        this.upstreamDone = true;
        this.closeAllInputs();
        this.completeIfDone();
      },
    });
    this.setHandler(outlet, {
      onPull: () => {
        if (!this.pulledOnce) {
          this.pulledOnce = true;
          this.pullParent();
        }
        this.pushReady();
      },
    });
  }

  // ---- stats ----------------------------------------------------------------------------------------------

  get capacity(): number {
    return 1 + this.maxLive;
  }
  get buffered(): number {
    return (this.pending ? 1 : 0) + this.ready.size;
  }
  get inFlight(): number {
    return 0;
  }
  get peak(): number {
    return this._peak;
  }
  get demand(): number {
    return this.pending || this.isStopped ? 0 : 1;
  }
  get openSubstreams(): number {
    return this.openCount;
  }
  get liveSubstreams(): number {
    return this.liveSet.size;
  }
  get substreamsOpened(): number {
    return this.opened;
  }
  override stats(): SubstreamStats {
    return this;
  }

  // ---- for subclasses -------------------------------------------------------------------------------------

  /** The element's routing key (computed once per element). A throw is supervised: resume/restart drop it. */
  protected abstract classify(element: In): unknown;
  /** Routes an element with its key: `deliver`, `openWith`, `hold`, or nothing (dropped). */
  protected abstract place(element: In, key: unknown): void;
  /** A substream's input closed, by this stage or because the substream `cancelled` it: release its key. */
  protected abstract released(sub: Substream<In>, cancelled: boolean): void;
  /** An element was handed to `sub` (for idle tracking). */
  protected delivered(_sub: Substream<In>): void {}

  /** Hands `element` to the open substream `sub` (now, or when it pulls); completes its input afterwards if asked. */
  protected deliver(sub: Substream<In>, element: In, key: unknown, closeAfter = false): void {
    if (!sub.input.isAvailable) {
      this.setPending({ element, key, target: sub, closeAfter });
      return;
    }
    sub.input.push(element);
    this.delivered(sub);
    if (closeAfter) this.closeInput(sub);
  }

  /** Opens a substream for `key` starting with `element`, or holds the element while `maxLive` substreams run. */
  protected openWith(element: In, key: unknown, closeAfter = false): void {
    if (this.liveSet.size >= this.maxLive) {
      this.hold(element, key);
      return;
    }
    const sub = new Substream<In>(key);
    sub.lastElementAt = this.now();
    const name = this.ctx.name;
    sub.input = new SubSourceOutlet<In>(this, `${name}.substream`, {
      onPull: () => this.substreamPulled(sub),
      onDownstreamFinish: () => this.substreamCancelled(sub),
    });
    sub.output = new SubSinkInlet<unknown>(this, `${name}.merge`, {
      onPush: () => {
        this.ready.push(sub);
        this.notePeak();
        this.pushReady();
      },
      onUpstreamFinish: () => {
        if (!sub.output.isAvailable) this.finished(sub);
      },
    });
    this.liveSet.add(sub);
    this.openCount++;
    this.opened++;
    this.onOpened(sub);
    sub.input.materialize(seq(this.perSubstream, sub.output.sink(), (l: unknown) => l));
    sub.output.pull();
    this.deliver(sub, element, key, closeAfter);
  }

  /** Keeps `element` until a substream finishes or releases its key, then routes it again with `place`. */
  protected hold(element: In, key: unknown): void {
    this.setPending({ element, key, target: undefined, closeAfter: false });
  }

  /** A new substream was registered (before its first element). */
  protected onOpened(_sub: Substream<In>): void {}

  /** Completes the input of `sub` (its flow sees completion); its output keeps draining. */
  protected closeInput(sub: Substream<In>): void {
    if (sub.inputClosed) return;
    sub.input.complete();
    this.inputClosed(sub, false);
  }

  /** Whether `sub` has an element waiting for it to pull. */
  protected isBackpressuring(sub: Substream<In>): boolean {
    return this.pending?.target === sub;
  }

  // ---- internals ------------------------------------------------------------------------------------------

  private onElement(element: In): void {
    let key: unknown;
    try {
      key = this.classify(element);
    } catch (e) {
      if (this.ctx.decide(e) === 'stop') this.failStage(e);
      else this.afterElement();
      return;
    }
    this.place(element, key);
    this.afterElement();
  }

  /** Pulls the next parent element, or closes all inputs after the parent finished, once nothing is pending. */
  private afterElement(): void {
    if (this.pending || this.isStopped) return;
    if (this.upstreamDone) {
      this.closeAllInputs();
      this.completeIfDone();
    } else {
      this.pullParent();
    }
  }

  private setPending(p: Pending<In>): void {
    this.pending = p;
    this.notePeak();
  }

  private pullParent(): void {
    if (this.pulledOnce && !this.pending) this.tryPull(inlet);
  }

  private substreamPulled(sub: Substream<In>): void {
    const p = this.pending;
    if (p?.target !== sub) return;
    this.pending = undefined;
    this.deliver(sub, p.element, p.key, p.closeAfter);
    this.afterElement();
  }

  /** The per-substream flow cancelled its input (e.g. `take(n)`): the key is released; a waiting element is re-routed. */
  private substreamCancelled(sub: Substream<In>): void {
    this.inputClosed(sub, true);
    this.rerouteWaitingFor(sub);
  }

  /** The element waiting for `sub`, which will not pull any more, is routed again. */
  private rerouteWaitingFor(sub: Substream<In>): void {
    const p = this.pending;
    if (p?.target !== sub) return;
    this.pending = undefined;
    this.place(p.element, p.key);
    this.afterElement();
  }

  private inputClosed(sub: Substream<In>, cancelled: boolean): void {
    if (sub.inputClosed) return;
    sub.inputClosed = true;
    this.openCount--;
    this.released(sub, cancelled);
    this.retryHeld();
  }

  /** The substream's output finished: it no longer counts against `maxLive`. */
  private finished(sub: Substream<In>): void {
    if (!this.liveSet.delete(sub)) return;
    if (!sub.inputClosed) this.closeInput(sub);
    this.rerouteWaitingFor(sub);
    this.retryHeld();
    this.completeIfDone();
  }

  private retryHeld(): void {
    const p = this.pending;
    if (!p || p.target || this.isStopped) return;
    this.pending = undefined;
    this.place(p.element, p.key);
    this.afterElement();
  }

  private pushReady(): void {
    if (this.ready.isEmpty || !this.isAvailable(outlet)) return;
    const sub = this.ready.shift()!;
    this.push(outlet, sub.output.grab());
    if (sub.output.isClosed) this.finished(sub);
    else sub.output.pull();
  }

  /** After the parent finished: completes every substream's input but that of the element still waiting. */
  private closeAllInputs(): void {
    for (const sub of this.liveSet) if (sub !== this.pending?.target) this.closeInput(sub);
  }

  private completeIfDone(): void {
    if (this.upstreamDone && !this.pending && this.liveSet.size === 0 && !this.isStopped) this.completeStage();
  }

  private notePeak(): void {
    if (this.buffered > this._peak) this._peak = this.buffered;
  }
}

/** The linear-DSL blueprint of a split/merge logic. */
export function splitMergeBlueprint(name: string, create: (ctx: StageContext) => SplitMergeLogic<any>): Blueprint {
  return logicBlueprint(name, create, inlet, outlet);
}

/**
 * @internal How a SubFlow becomes a stage: from its per-substream flow and the merge's parallelism (`undefined`:
 * the operator's default).
 */
export type SplitFactory = (perSubstream: Blueprint, parallelism: number | undefined) => Blueprint;
