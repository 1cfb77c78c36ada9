import type { Blueprint } from '../../core/blueprint';
export function watchTermination(): Blueprint {
  throw new Error('pending: watchTermination');
}
