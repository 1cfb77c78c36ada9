/** A growable FIFO on a power-of-two ring (amortized O(1)); for internal event queues whose size is bounded by design. */
export class Deque<T> {
  private slots: (T | undefined)[] = new Array(16);
  private mask = 15;
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }
  get isEmpty(): boolean {
    return this.tail === this.head;
  }

  push(element: T): void {
    if (this.tail - this.head === this.slots.length) this.grow();
    this.slots[this.tail & this.mask] = element;
    this.tail++;
  }

  shift(): T | undefined {
    if (this.tail === this.head) return undefined;
    const i = this.head & this.mask;
    const element = this.slots[i];
    this.slots[i] = undefined;
    this.head++;
    return element;
  }

  /** The oldest element without removing it (`undefined` when empty). */
  peek(): T | undefined {
    return this.tail === this.head ? undefined : this.slots[this.head & this.mask];
  }

  clear(): void {
    this.slots = new Array(16);
    this.mask = 15;
    this.head = this.tail = 0;
  }

  private grow(): void {
    const size = this.slots.length;
    const next = new Array<T | undefined>(size * 2);
    for (let i = 0; i < size; i++) next[i] = this.slots[(this.head + i) & this.mask];
    this.slots = next;
    this.mask = size * 2 - 1;
    this.head = 0;
    this.tail = size;
  }
}
