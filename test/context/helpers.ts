import type { Committable } from 'tributary';

/** A user error thrown in tests. */
export class Boom extends Error {
  override readonly name = 'Boom';
}

/** Lets promise callbacks (commit results) run: one event-loop turn, no timers involved. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** An offset of partition `p` at position `n`. */
export interface Offset {
  readonly p: string;
  readonly n: number;
}

/** One interned offset object per (partition, position), so contexts compare by identity like real ones. */
export function offsets(): (p: string, n: number) => Offset {
  const known = new Map<string, Offset>();
  return (p, n) => {
    const key = `${p}:${n}`;
    let o = known.get(key);
    if (!o) known.set(key, (o = { p, n }));
    return o;
  };
}

interface PendingCommit<O> {
  readonly offsets: readonly O[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * A committable that records every commit. With `manual`, commits stay pending until the test resolves them;
 * otherwise they resolve at once.
 */
export class RecordingCommittable<O = Offset> implements Committable<O> {
  readonly calls: PendingCommit<O>[] = [];
  /** The offsets of every resolved commit, in order. */
  readonly committed: (readonly O[])[] = [];
  compare?: (a: O, b: O) => number;

  constructor(
    private readonly manual = false,
    readonly partitionOf: (offset: O) => string = (o) => (o as unknown as Offset).p,
  ) {}

  commit(offsets: readonly O[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const call: PendingCommit<O> = {
        offsets: [...offsets],
        resolve: () => {
          this.committed.push(call.offsets);
          resolve();
        },
        reject,
      };
      this.calls.push(call);
      if (!this.manual) call.resolve();
    });
  }

  /** The last committed offset per partition. */
  get last(): Map<string, O> {
    const out = new Map<string, O>();
    for (const batch of this.committed) for (const o of batch) out.set(this.partitionOf(o), o);
    return out;
  }
}
