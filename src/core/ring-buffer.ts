/**
 * A fixed-capacity FIFO backed by a power-of-two array: O(1) push/shift, never grows past its capacity.
 * Every queue in the engine is one of these (no `Array.shift` queues).
 */
export class RingBuffer<T> {
  private readonly slots: (T | undefined)[];
  private readonly mask: number;
  private head = 0;
  private tail = 0;
  /** The number of elements it may hold (as requested, not rounded). */
  readonly capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RingBuffer capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
    let size = 1;
    while (size < capacity) size <<= 1;
    this.slots = new Array<T | undefined>(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.tail - this.head;
  }
  get isEmpty(): boolean {
    return this.tail === this.head;
  }
  get isFull(): boolean {
    return this.tail - this.head >= this.capacity;
  }

  /** Appends; throws if full (callers check `isFull` first: overflowing is a bug, not a policy). */
  push(element: T): void {
    if (this.isFull) throw new RangeError(`RingBuffer overflow (capacity ${this.capacity})`);
    this.slots[this.tail & this.mask] = element;
    this.tail++;
  }

  /** Removes and returns the oldest element; throws if empty. */
  shift(): T {
    if (this.isEmpty) throw new RangeError('RingBuffer underflow');
    const i = this.head & this.mask;
    const element = this.slots[i] as T;
    this.slots[i] = undefined;
    this.head++;
    return element;
  }

  /** The oldest element without removing it. */
  peek(): T {
    if (this.isEmpty) throw new RangeError('RingBuffer is empty');
    return this.slots[this.head & this.mask] as T;
  }

  /** The element at `offset` from the oldest (0 = oldest). */
  at(offset: number): T {
    if (offset < 0 || offset >= this.size) throw new RangeError(`RingBuffer index ${offset} out of range`);
    return this.slots[(this.head + offset) & this.mask] as T;
  }

  /** Replaces the element at `offset` from the oldest. */
  set(offset: number, element: T): void {
    if (offset < 0 || offset >= this.size) throw new RangeError(`RingBuffer index ${offset} out of range`);
    this.slots[(this.head + offset) & this.mask] = element;
  }

  /** Removes and returns the newest element. */
  pop(): T {
    if (this.isEmpty) throw new RangeError('RingBuffer underflow');
    this.tail--;
    const i = this.tail & this.mask;
    const element = this.slots[i] as T;
    this.slots[i] = undefined;
    return element;
  }

  clear(): void {
    while (!this.isEmpty) this.shift();
  }

  /** Drains all elements, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    while (!this.isEmpty) out.push(this.shift());
    return out;
  }
}
