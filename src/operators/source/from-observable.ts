import type { ObservableInput } from 'rxjs';
import type { DroppingOverflowStrategy } from '../../core/overflow-strategy';
import type { Blueprint } from '../../core/blueprint';
export function fromObservable<T>(_observable: ObservableInput<T>, _options: { readonly bufferSize: number; readonly overflow: DroppingOverflowStrategy }): Blueprint {
  throw new Error('pending: fromObservable');
}
