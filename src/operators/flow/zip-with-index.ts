import type { Blueprint } from '../../core/blueprint';
export function zipWithIndex(): Blueprint {
  throw new Error('pending: zipWithIndex');
}
