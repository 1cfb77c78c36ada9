import type { SchedulerLike } from 'rxjs';
import { Attributes, type AttributeValues } from './attributes';
import type { BufferStats, Materializer, StageInfo } from './materializer';
import type { Downstream, InPort, OutPort, Upstream } from './protocol';
import { StageFailure, stageFailure } from './stage-failure';
import type { Decider, Directive } from './supervision';

/** What one atomic stage gets while it is materialized. */
export interface StageContext {
  /** The stage's name: its attribute name, or its operator name. */
  readonly name: string;
  /** Enclosing blueprint names and this stage with its ordinal, e.g. `orders/enrich/mapAsync#3`. */
  readonly path: string;
  readonly attributes: AttributeValues;
  readonly materializer: Materializer;
  readonly scheduler: SchedulerLike;
  /** Wraps `cause` in a `StageFailure` naming this stage. */
  failure(cause: unknown): StageFailure;
  /** The supervision directive for an error thrown by a user function (default `stop`). */
  decide(error: unknown): Directive;
  /**
   * Registers the stage's start hook (called after the whole graph is wired, downstream stages first) and,
   * for buffering stages, its counters.
   */
  onStart(start: () => void, stats?: BufferStats): void;
  /** Tells observers the stage has stopped. */
  stopped(): void;
}

/** The ports and materialized value an atom produces. */
export interface Built {
  readonly in?: InPort<unknown>;
  readonly out?: OutPort<unknown>;
  /** Multi-port stages (junctions): all inlets / outlets in shape order (instead of `in` / `out`). */
  readonly ins?: readonly InPort<unknown>[];
  readonly outs?: readonly OutPort<unknown>[];
  readonly mat: unknown;
}

/** A connection inside a graph: outlet `from[1]` of component `from[0]` to inlet `to[1]` of component `to[0]`. */
export interface Edge {
  readonly from: readonly [component: number, outlet: number];
  readonly to: readonly [component: number, inlet: number];
}

/** Immutable description of (part of) a stream; materializing it creates fresh stages every time. */
export type Blueprint =
  | { readonly kind: 'atom'; readonly name: string; readonly build: (ctx: StageContext) => Built }
  | { readonly kind: 'identity' }
  | { readonly kind: 'seq'; readonly left: Blueprint; readonly right: Blueprint; readonly combine: (l: any, r: any) => unknown }
  | { readonly kind: 'mapMat'; readonly inner: Blueprint; readonly f: (m: any) => unknown }
  | { readonly kind: 'attrs'; readonly inner: Blueprint; readonly attributes: Attributes }
  /** Created anew by `make()` each time it is materialized, and materialized in place (`Source.defer`). */
  | { readonly kind: 'deferred'; readonly make: () => Blueprint }
  /**
   * A non-linear graph (`GraphDSL`): components wired by edges; its open ports are the listed component ports,
   * in the order of its shape; the materialized value combines the components' values.
   */
  | {
      readonly kind: 'graph';
      readonly components: readonly Blueprint[];
      readonly edges: readonly Edge[];
      readonly ins: readonly (readonly [component: number, inlet: number])[];
      readonly outs: readonly (readonly [component: number, outlet: number])[];
      readonly combine: (mats: readonly unknown[]) => unknown;
    };

/** An atomic stage blueprint. */
export function atom(name: string, build: (ctx: StageContext) => Built): Blueprint {
  return { kind: 'atom', name, build };
}

export const identity: Blueprint = { kind: 'identity' };

/** `left` feeding `right`, materialized values combined by `combine`. */
export function seq(left: Blueprint, right: Blueprint, combine: (l: any, r: any) => unknown): Blueprint {
  return { kind: 'seq', left, right, combine };
}

interface Materialized {
  readonly ins: readonly InPort<unknown>[];
  readonly outs: readonly OutPort<unknown>[];
  readonly identity: boolean;
  readonly mat: unknown;
}

const none: readonly never[] = [];

/** Materializes a blueprint, wires it, starts it (downstream first) and returns its materialized value. */
export function materialize(blueprint: Blueprint, materializer: Materializer, parentPath?: string): unknown {
  const run = new Run(materializer);
  const result = run.build(blueprint, Attributes.none, parentPath ? [parentPath] : []);
  run.start();
  return result.mat;
}

function connect(out: OutPort<unknown>, inlet: InPort<unknown>): void {
  out.attachDownstream(inlet);
  inlet.attachUpstream(out);
}

/** A stage that passes elements and signals through unchanged (stands in for identity flows inside graphs). */
class PassThrough implements InPort<unknown>, OutPort<unknown> {
  readonly passesDemand = true;
  upstream!: Upstream;
  downstream!: Downstream<unknown>;
  attachUpstream(u: Upstream): void {
    this.upstream = u;
  }
  attachDownstream(d: Downstream<unknown>): void {
    this.downstream = d;
  }
  hasDemand(): boolean {
    return this.downstream.hasDemand();
  }
  onNext(x: unknown): void {
    this.downstream.onNext(x);
  }
  onComplete(): void {
    this.downstream.onComplete();
  }
  onError(e: unknown): void {
    this.downstream.onError(e);
  }
  onDemand(): void {
    this.upstream.onDemand();
  }
  cancel(cause?: unknown): void {
    this.upstream.cancel(cause);
  }
}

const passThrough: Blueprint = {
  kind: 'atom',
  name: 'identity',
  build: () => {
    const stage = new PassThrough();
    return { in: stage, out: stage, mat: undefined };
  },
};

function isSingleStage(bp: Blueprint): boolean {
  if (bp.kind === 'atom') return true;
  return (bp.kind === 'attrs' || bp.kind === 'mapMat') && isSingleStage(bp.inner);
}

class Run {
  private ordinal = 0;
  private readonly starts: Array<() => void> = [];

  constructor(private readonly materializer: Materializer) {}

  build(bp: Blueprint, inherited: Attributes, names: readonly string[]): Materialized {
    switch (bp.kind) {
      case 'identity':
        return { ins: none, outs: none, identity: true, mat: undefined };
      case 'atom': {
        const built = bp.build(this.context(bp.name, inherited, names));
        return {
          ins: built.ins ?? (built.in ? [built.in] : none),
          outs: built.outs ?? (built.out ? [built.out] : none),
          identity: false,
          mat: built.mat,
        };
      }
      case 'graph':
        return this.buildGraph(bp, inherited, names);
      case 'deferred':
        return this.build(bp.make(), inherited, names);
      case 'mapMat': {
        const inner = this.build(bp.inner, inherited, names);
        return { ...inner, mat: bp.f(inner.mat) };
      }
      case 'attrs': {
        // Attributes on a composite are defaults for its stages; a name on it becomes a path segment.
        if (isSingleStage(bp.inner)) return this.build(bp.inner, inherited.and(bp.attributes), names);
        const { name, ...defaults } = bp.attributes.values;
        return this.build(bp.inner, inherited.and(defaults), name ? [...names, name] : names);
      }
      case 'seq': {
        const left = this.build(bp.left, inherited, names);
        const right = this.build(bp.right, inherited, names);
        const mat = bp.combine(left.mat, right.mat);
        if (left.identity) return { ...right, mat };
        if (right.identity) return { ...left, mat };
        const out = left.outs[0];
        const inlet = right.ins[0];
        if (!out || !inlet) throw new Error('internal: cannot connect blueprints without matching ports');
        connect(out, inlet);
        return { ins: left.ins, outs: right.outs, identity: false, mat };
      }
    }
  }

  private buildGraph(bp: Extract<Blueprint, { kind: 'graph' }>, inherited: Attributes, names: readonly string[]): Materialized {
    const built = bp.components.map((c) => {
      const m = this.build(c, inherited, names);
      // An identity flow inside a graph still needs a port on each side: a pass-through stage (keeping the flow's
      // materialized value, e.g. of `Flow.create().mapMaterializedValue(…)`).
      return m.identity ? { ...this.build(passThrough, inherited, names), mat: m.mat } : m;
    });
    for (const { from, to } of bp.edges) connect(built[from[0]]!.outs[from[1]]!, built[to[0]]!.ins[to[1]]!);
    return {
      ins: bp.ins.map(([c, i]) => built[c]!.ins[i]!),
      outs: bp.outs.map(([c, o]) => built[c]!.outs[o]!),
      identity: false,
      mat: bp.combine(built.map((m) => m.mat)),
    };
  }

  start(): void {
    for (let i = this.starts.length - 1; i >= 0; i--) this.starts[i]!();
  }

  private context(operator: string, inherited: Attributes, names: readonly string[]): StageContext {
    const attributes = inherited.values;
    const name = attributes.name ?? operator;
    const path = [...names, `${name}#${this.ordinal++}`].join('/');
    const materializer = this.materializer;
    const observer = materializer.observer;
    const decider: Decider | undefined = attributes.supervision;
    let info: StageInfo = { name, path };
    return {
      name,
      path,
      attributes,
      materializer,
      scheduler: materializer.scheduler,
      failure: (cause) => stageFailure(name, path, cause),
      decide: (error) => (decider ? decider(error) : 'stop'),
      onStart: (start, stats) => {
        if (stats) info = { name, path, stats };
        this.starts.push(() => {
          observer?.stageStarted?.(info);
          start();
        });
      },
      stopped: () => observer?.stageStopped?.(info),
    };
  }
}
