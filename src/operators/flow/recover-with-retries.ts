import type { Blueprint } from '../../core/blueprint';
import type { Source } from '../../dsl/source';
export function recoverWithRetries<T>(_attempts: number, _f: (error: unknown) => Source<T, unknown> | undefined): Blueprint {
  throw new Error('pending: recoverWithRetries');
}
