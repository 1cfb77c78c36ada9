import type { ObservableInput } from 'rxjs';
import type { Blueprint } from '../../core/blueprint';
export function forEachAsyncSink<T>(_parallelism: number, _f: (element: T) => ObservableInput<unknown>): Blueprint {
  throw new Error('pending: forEachAsync');
}
