/** What a supervised stage does when its user function throws (Akka's `Supervision.Directive`). */
export type Directive = 'stop' | 'resume' | 'restart';

/** Chooses a directive for an error thrown by a user function. */
export type Decider = (error: unknown) => Directive;

/**
 * Supervision deciders for operators that document support (map, filter, filterNot, collect, mapConcat, scan,
 * statefulMap, mapAsync, mapAsyncUnordered, mapAsyncPartitioned).
 *
 * - `stop` (the default): the stream fails.
 * - `resume`: the element is dropped and the stream goes on.
 * - `restart`: the element is dropped and the stage's state is reset (e.g. `scan` starts again from its seed).
 *
 * @example
 * Source.from(lines).map(JSON.parse, { supervision: Supervision.resumingDecider })
 * Source.from(xs).map(parse).withAttributes(Attributes.supervision(e => e instanceof SyntaxError ? 'resume' : 'stop'))
 */
export const Supervision = {
  stop: 'stop' as Directive,
  resume: 'resume' as Directive,
  restart: 'restart' as Directive,
  stoppingDecider: (() => 'stop') as Decider,
  resumingDecider: (() => 'resume') as Decider,
  restartingDecider: (() => 'restart') as Decider,
} as const;
