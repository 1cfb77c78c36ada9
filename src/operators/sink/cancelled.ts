import type { Blueprint } from '../../core/blueprint';
export function cancelledSink(): Blueprint {
  throw new Error('pending: cancelled');
}
