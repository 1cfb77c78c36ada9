/**
 * Runs asynchronous tasks one at a time per key, in call order (a task starts after the previous one for the
 * same key settled, whether it succeeded or failed). Keys with nothing pending take no memory.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(noop, noop);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

function noop(): void {}
