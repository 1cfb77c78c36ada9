import type { Observer } from 'rxjs';
import type { Blueprint } from '../../core/blueprint';
export function fromObserver<T>(_observer: Partial<Observer<T>>): Blueprint {
  throw new Error('pending: fromObserver');
}
