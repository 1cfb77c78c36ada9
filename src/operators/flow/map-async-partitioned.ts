import type { ObservableInput } from 'rxjs';
import type { Blueprint } from '../../core/blueprint';
export function mapAsyncPartitioned<In, K, Out>(_parallelism: number, _partition: (element: In) => K, _f: (element: In, key: K) => ObservableInput<Out>): Blueprint {
  throw new Error('pending: mapAsyncPartitioned');
}
