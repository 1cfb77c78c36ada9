/**
 * The error a stream fails with: names the stage that failed and its graph path, and keeps the original error
 * as `cause`. Errors are wrapped once, where they arise; stages further down pass the same `StageFailure` on.
 */
export class StageFailure extends Error {
  override readonly name = 'StageFailure';
  constructor(
    /** The failing stage's name (operator name or the name given with `.named()`). */
    readonly stage: string,
    /** Where the stage sits: enclosing named blueprints and the stage, e.g. `orders/enrich/mapAsync#3`. */
    readonly path: string,
    /** What the stage or user function threw. */
    override readonly cause: unknown,
  ) {
    super(`stage '${stage}' (${path}) failed: ${describe(cause)}`, { cause });
  }
}

/** Wraps `cause` as a failure of the given stage, unless it already is a `StageFailure`. */
export function stageFailure(stage: string, path: string, cause: unknown): StageFailure {
  return cause instanceof StageFailure ? cause : new StageFailure(stage, path, cause);
}

/** The original error behind any number of `StageFailure` wrappers. */
export function rootCause(error: unknown): unknown {
  let e = error;
  while (e instanceof StageFailure) e = e.cause;
  return e;
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  try {
    return typeof cause === 'string' ? cause : JSON.stringify(cause) ?? String(cause);
  } catch {
    return String(cause);
  }
}
