import type { SchedulerLike } from 'rxjs';
import { Attributes, type AttributeValues } from './attributes';
import type { BufferStats, Materializer, StageInfo } from './materializer';
import type { InPort, OutPort } from './protocol';
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
  readonly mat: unknown;
}

/** Immutable description of (part of) a stream; materializing it creates fresh stages every time. */
export type Blueprint =
  | { readonly kind: 'atom'; readonly name: string; readonly build: (ctx: StageContext) => Built }
  | { readonly kind: 'identity' }
  | { readonly kind: 'seq'; readonly left: Blueprint; readonly right: Blueprint; readonly combine: (l: any, r: any) => unknown }
  | { readonly kind: 'mapMat'; readonly inner: Blueprint; readonly f: (m: any) => unknown }
  | { readonly kind: 'attrs'; readonly inner: Blueprint; readonly attributes: Attributes }
  /** Created anew by `make()` each time it is materialized, and materialized in place (`Source.defer`). */
  | { readonly kind: 'deferred'; readonly make: () => Blueprint };

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
  readonly in?: InPort<unknown>;
  readonly out?: OutPort<unknown>;
  readonly identity: boolean;
  readonly mat: unknown;
}

/** Materializes a blueprint, wires it, starts it (downstream first) and returns its materialized value. */
export function materialize(blueprint: Blueprint, materializer: Materializer, parentPath?: string): unknown {
  const run = new Run(materializer);
  const result = run.build(blueprint, Attributes.none, parentPath ? [parentPath] : []);
  run.start();
  return result.mat;
}

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
        return { identity: true, mat: undefined };
      case 'atom': {
        const built = bp.build(this.context(bp.name, inherited, names));
        return { in: built.in, out: built.out, identity: false, mat: built.mat };
      }
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
        if (!left.out || !right.in) throw new Error('internal: cannot connect blueprints without matching ports');
        left.out.attachDownstream(right.in);
        right.in.attachUpstream(left.out);
        return { in: left.in, out: right.out, identity: false, mat };
      }
    }
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
