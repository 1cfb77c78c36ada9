/** The materialized value of a stage that has none worth returning. */
export type NotUsed = void;

/**
 * Combiners for `viaMat`/`toMat`: which materialized value to keep.
 *
 * @example
 * const [killSwitch, done] = source.viaMat(KillSwitches.single(), Keep.right).toMat(Sink.ignore(), Keep.both).run();
 */
export const Keep = {
  left: <L, R>(l: L, _r: R): L => l,
  right: <L, R>(_l: L, r: R): R => r,
  both: <L, R>(l: L, r: R): [L, R] => [l, r],
  none: <L, R>(_l: L, _r: R): NotUsed => undefined,
} as const;
