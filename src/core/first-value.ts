import { from, isObservable, type ObservableInput, type Subscription, type Unsubscribable } from 'rxjs';

/** The ObservableInput completed before producing a value. */
export class EmptyResultError extends Error {
  override readonly name = 'EmptyResultError';
  constructor() {
    super('the returned ObservableInput completed without a value; exactly one value was expected');
  }
}

/**
 * Subscribes to `input` for its first value: promises via `then` (cheap), anything else through RxJS `from`
 * (so virtual time applies to observables). Returns a handle to stop listening, when the input supports it.
 */
export function firstValue<T>(
  input: ObservableInput<T>,
  onValue: (value: T) => void,
  onError: (error: unknown) => void,
): Unsubscribable | undefined {
  if (!isObservable(input) && typeof (input as PromiseLike<T>)?.then === 'function') {
    (input as PromiseLike<T>).then(onValue, onError);
    return undefined;
  }
  let settled = false;
  let subscription: Subscription | undefined;
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    subscription?.unsubscribe();
    return true;
  };
  subscription = from(input).subscribe({
    next: (value) => settle() && onValue(value),
    error: (e) => settle() && onError(e),
    complete: () => settle() && onError(new EmptyResultError()),
  });
  if (settled) subscription.unsubscribe();
  return subscription;
}
