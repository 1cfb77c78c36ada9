import { from, isObservable, map as rxMap, type ObservableInput } from 'rxjs';
import { requireFunction } from '../core/validate';
import type { Attributes, AttributeValues } from '../core/attributes';
import type { SupervisionOptions } from '../dsl/flow-ops';
import type { FlowWithContext } from './flow-with-context';
import type { SourceWithContext } from './source-with-context';

/** @internal Type tag of `SourceWithContext` for `ContextRepr`. */
export interface SourceWithContextTag {
  readonly kind: 'sourceWithContext';
}
/** @internal Type tag of `FlowWithContext<In, CtxIn, …>` for `ContextRepr`. */
export interface FlowWithContextTag<In, CtxIn> {
  readonly kind: 'flowWithContext';
  readonly in: In;
  readonly ctxIn: CtxIn;
}
/** The type a context operator returns: a `SourceWithContext` stays one, a `FlowWithContext` keeps its input. */
export type ContextRepr<Tag, Out, Ctx, Mat> =
  Tag extends FlowWithContextTag<infer In, infer CtxIn>
    ? FlowWithContext<In, CtxIn, Out, Ctx, Mat>
    : Tag extends SourceWithContextTag
      ? SourceWithContext<Out, Ctx, Mat>
      : never;

/** `f(element)`'s result paired with `ctx` (promises stay promises; other inputs go through RxJS). */
function pairResult<T, C>(input: ObservableInput<T>, ctx: C): ObservableInput<[T, C]> {
  if (!isObservable(input) && typeof (input as PromiseLike<T> | null)?.then === 'function') {
    return (input as PromiseLike<T>).then((value): [T, C] => [value, ctx]);
  }
  return from(input).pipe(rxMap((value): [T, C] => [value, ctx]));
}

function* pairAll<T, C>(elements: Iterable<T>, ctx: C): Generator<[T, C]> {
  for (const element of elements) yield [element, ctx];
}

function unzip<T, C>(pairs: readonly (readonly [T, C])[]): [T[], C[]] {
  const elements = new Array<T>(pairs.length);
  const contexts = new Array<C>(pairs.length);
  for (let i = 0; i < pairs.length; i++) [elements[i], contexts[i]] = pairs[i]!;
  return [elements, contexts];
}

/** @internal What the context operators use of the underlying `Source`/`Flow` of pairs. */
export interface PairOps<Out, Ctx> {
  map<T>(f: (pair: [Out, Ctx]) => T, options?: SupervisionOptions): unknown;
  filter(predicate: (pair: [Out, Ctx]) => boolean, options?: SupervisionOptions): unknown;
  filterNot(predicate: (pair: [Out, Ctx]) => boolean, options?: SupervisionOptions): unknown;
  collect<T>(f: (pair: [Out, Ctx]) => T | undefined, options?: SupervisionOptions): unknown;
  mapConcat<T>(f: (pair: [Out, Ctx]) => Iterable<T>, options?: SupervisionOptions): unknown;
  grouped(size: number): { map<T>(f: (pairs: [Out, Ctx][]) => T): unknown };
  mapAsync<T>(parallelism: number, f: (pair: [Out, Ctx]) => ObservableInput<T>, options?: SupervisionOptions): unknown;
  withAttributes(attributes: Attributes | AttributeValues): unknown;
  named(name: string): unknown;
}

/**
 * The operators shared by `SourceWithContext` and `FlowWithContext` (Akka's `FlowWithContextOps`): each element
 * travels with a context (e.g. the offset it was read at) as an `[element, context]` pair. Every operator keeps
 * the context of the element it came from; there are no operators that reorder elements, so contexts arrive at
 * the end in source order (minus filtered elements).
 */
export abstract class ContextOps<Out, Ctx, Mat, Tag> {
  /** @internal The underlying stream of `[element, context]` pairs. */
  protected abstract readonly pairs: PairOps<Out, Ctx>;
  /** @internal The same kind of context stream around other pairs. */
  protected abstract wrap<O2, C2, M2>(pairs: unknown): ContextRepr<Tag, O2, C2, M2>;

  /**
   * Transforms each element; the context stays.
   * - Emits when: `f` returned. Backpressures when: downstream does. Completes when: upstream completes.
   * - Fails when: `f` throws (supervision: resume/restart drop the element and its context).
   * @example rows.asSourceWithContext(r => r.offset).map(r => toMessage(r))
   */
  map<T>(f: (element: Out) => T, options?: SupervisionOptions): ContextRepr<Tag, T, Ctx, Mat> {
    requireFunction('map', 'f', f);
    return this.wrap(this.pairs.map(([e, c]): [T, Ctx] => [f(e), c], options));
  }

  /**
   * Passes on the elements (with their contexts) for which `predicate` holds; the others are dropped with theirs.
   * - Emits when: the predicate holds. Completes when: upstream completes. Fails when: `predicate` throws.
   * @example changes.filter(c => c.table !== 'audit')
   */
  filter(predicate: (element: Out) => boolean, options?: SupervisionOptions): ContextRepr<Tag, Out, Ctx, Mat> {
    requireFunction('filter', 'predicate', predicate);
    return this.wrap(this.pairs.filter(([e]) => predicate(e), options));
  }

  /**
   * Passes on the elements for which `predicate` does not hold.
   * @example changes.filterNot(c => c.deleted)
   */
  filterNot(predicate: (element: Out) => boolean, options?: SupervisionOptions): ContextRepr<Tag, Out, Ctx, Mat> {
    requireFunction('filterNot', 'predicate', predicate);
    return this.wrap(this.pairs.filterNot(([e]) => predicate(e), options));
  }

  /**
   * Maps and filters in one step: elements for which `f` returns `undefined` are dropped with their contexts.
   * @example changes.collect(c => (c.op === 'insert' ? c.row : undefined))
   */
  collect<T>(f: (element: Out) => T | undefined, options?: SupervisionOptions): ContextRepr<Tag, T, Ctx, Mat> {
    requireFunction('collect', 'f', f);
    return this.wrap(
      this.pairs.collect(([e, c]): [T, Ctx] | undefined => {
        const out = f(e);
        return out === undefined ? undefined : [out, c];
      }, options),
    );
  }

  /**
   * Turns each element into zero or more elements, each carrying the input's context (so the context may arrive
   * several times, or not at all for an empty iterable). Read lazily, like `Source.mapConcat`. With a committer
   * downstream, the input's offset may be committed as soon as its first output got there: a crash before the
   * others were processed loses them. Where that matters, keep one input's outputs in one element (`map` to an
   * array) so that its offset arrives once, after all of them.
   * @example batches.mapConcat(b => b.rows) // every row keeps its batch's offset
   */
  mapConcat<T>(f: (element: Out) => Iterable<T>, options?: SupervisionOptions): ContextRepr<Tag, T, Ctx, Mat> {
    requireFunction('mapConcat', 'f', f);
    return this.wrap(this.pairs.mapConcat(([e, c]) => pairAll(f(e), c), options));
  }

  /**
   * Collects elements into arrays of `size` (the last may be shorter) and their contexts into a parallel array:
   * emits `[elements, contexts]`, keeping every context.
   * - Emits when: `size` elements arrived, or upstream completed with a partial group.
   * @example rows.asSourceWithContext(r => r.offset).grouped(100) // [Row[], Offset[]]
   */
  grouped(size: number): ContextRepr<Tag, Out[], Ctx[], Mat> {
    return this.wrap(this.pairs.grouped(size).map(unzip));
  }

  /**
   * Calls `f` for up to `parallelism` elements at once and emits the results in input order, each with its
   * element's context. `f` may return a Promise or any ObservableInput (its first value is used).
   * - Emits when: the oldest call has resolved and downstream pulls.
   * - Backpressures when: `parallelism` calls are in flight or resolved results wait for downstream.
   * - Completes when: upstream completes and all results were emitted.
   * - Fails when: a call rejects or `f` throws (supervision: resume drops the element and its context).
   * @example messages.mapAsync(8, m => publish(m))
   */
  mapAsync<T>(
    parallelism: number,
    f: (element: Out) => ObservableInput<T>,
    options?: SupervisionOptions,
  ): ContextRepr<Tag, T, Ctx, Mat> {
    requireFunction('mapAsync', 'f', f);
    return this.wrap(this.pairs.mapAsync(parallelism, ([e, c]) => pairResult(f(e), c), options));
  }

  /**
   * Transforms the contexts; elements stay.
   * - Emits when: `f` returned. Fails when: `f` throws.
   * @example grouped.mapContext(offsets => offsets[offsets.length - 1]) // the last offset of each batch
   */
  mapContext<C2>(f: (context: Ctx) => C2): ContextRepr<Tag, Out, C2, Mat> {
    requireFunction('mapContext', 'f', f);
    return this.wrap(this.pairs.map(([e, c]): [Out, C2] => [e, f(c)]));
  }

  /**
   * Attaches attributes (defaults for all stages of this blueprint; a name becomes a path segment).
   * @example rows.asSourceWithContext(r => r.offset).map(parse).withAttributes(Attributes.name('parse'))
   */
  withAttributes(attributes: Attributes | AttributeValues): ContextRepr<Tag, Out, Ctx, Mat> {
    return this.wrap(this.pairs.withAttributes(attributes));
  }

  /** Names this blueprint for graph paths in errors and metrics. @example flow.named('enrich') */
  named(name: string): ContextRepr<Tag, Out, Ctx, Mat> {
    return this.wrap(this.pairs.named(name));
  }
}
