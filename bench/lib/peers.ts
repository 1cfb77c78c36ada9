import { Writable } from 'node:stream';
import type { Observable } from 'rxjs';

/** Subscribes and resolves when `source` completes, calling `onNext` for each element. */
export function drain<T>(source: Observable<T>, onNext: (element: T) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    source.subscribe({ next: onNext, error: reject, complete: resolve });
  });
}

/** An object-mode Writable calling `write` per element (a Promise result delays the callback, one at a time). */
export function writableOf<T>(write: (element: T) => void | Promise<void>, highWaterMark = 16): Writable {
  return new Writable({
    objectMode: true,
    highWaterMark,
    write(element: T, _encoding, callback) {
      const r = write(element);
      if (r === undefined) callback();
      else r.then(() => callback(), callback);
    },
  });
}
