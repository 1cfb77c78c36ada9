import { compareLsn, lsnToBigInt, type Lsn } from './lsn';
import type { CdcPosition } from './types';

/** Orders positions: `through L` comes after every row of transaction L. */
export function comparePosition(a: CdcPosition, b: CdcPosition): number {
  const byLsn = compareLsn(a.lsn, b.lsn);
  if (byLsn !== 0) return byLsn;
  if (a.kind === 'through') return b.kind === 'through' ? 0 : 1;
  if (b.kind === 'through') return -1;
  return compareLsn(a.seqval, b.seqval) || a.op - b.op;
}

/** The later of two positions (`undefined` counts as before everything). */
export function laterPosition(a: CdcPosition | undefined, b: CdcPosition): CdcPosition {
  return a === undefined || comparePosition(b, a) > 0 ? b : a;
}

/**
 * Whether changes the position still needs are gone, given the instance's lowest retained LSN: for `through L`
 * the next needed commit LSN is the one after L, for `within (L, …)` it is L itself.
 */
export function neededChangesRemoved(position: CdcPosition, minLsn: Lsn): boolean {
  const min = lsnToBigInt(minLsn);
  const needed = lsnToBigInt(position.lsn) + (position.kind === 'through' ? 1n : 0n);
  return min > needed;
}

/** The first commit LSN a position still needs (for messages). */
export function neededLsn(position: CdcPosition): Lsn {
  const needed = lsnToBigInt(position.lsn) + (position.kind === 'through' ? 1n : 0n);
  return needed.toString(16).padStart(20, '0');
}

/** A position for logs: `through 0000002a:…` or `within 0000002a:…/…#4`. */
export function describePosition(p: CdcPosition | undefined): string {
  if (p === undefined) return 'the start of the instance';
  return p.kind === 'through' ? `through ${p.lsn}` : `within ${p.lsn}/${p.seqval}#${p.op}`;
}
