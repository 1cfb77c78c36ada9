import type { ObservableInput } from 'rxjs';
import type { Blueprint } from '../../core/blueprint';
export function unfold<S, T>(_state: S, _f: (state: S) => readonly [S, T] | undefined): Blueprint {
  throw new Error('pending: unfold');
}
export function unfoldAsync<S, T>(_state: S, _f: (state: S) => ObservableInput<readonly [S, T] | undefined>): Blueprint {
  throw new Error('pending: unfoldAsync');
}
