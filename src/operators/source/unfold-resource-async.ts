import type { ObservableInput } from 'rxjs';
import type { Blueprint } from '../../core/blueprint';
export function unfoldResourceAsync<R, T>(_open: () => ObservableInput<R>, _read: (resource: R) => ObservableInput<T | undefined>, _close: (resource: R) => ObservableInput<unknown> | void): Blueprint {
  throw new Error('pending: unfoldResourceAsync');
}
