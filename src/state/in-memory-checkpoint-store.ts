import type { CheckpointSchema, CheckpointStore, Versioned } from './checkpoint-store';
import { CheckpointCodec } from './document';
import { CheckpointConflictError } from './errors';
import { requireCheckpointKey } from './keys';

/**
 * Checkpoints held in this process's memory, for tests and demos. Behaves like the durable stores: values are
 * stored as JSON documents (so they are copied and schema-checked), versions are counters, and a stale
 * `expectedVersion` is a `CheckpointConflictError`.
 *
 * @example
 * const store = new InMemoryCheckpointStore<{ offset: number }>();
 * const v1 = await store.save('orders', { offset: 10 }, undefined);
 * await store.save('orders', { offset: 20 }, v1);
 */
export class InMemoryCheckpointStore<T> implements CheckpointStore<T> {
  private readonly docs = new Map<string, { readonly text: string; readonly version: string }>();
  private readonly codec: CheckpointCodec<T>;
  private counter = 0;

  constructor(options: { readonly schema?: CheckpointSchema<T> } = {}) {
    this.codec = new CheckpointCodec('InMemoryCheckpointStore', options.schema);
  }

  async load(key: string): Promise<Versioned<T> | undefined> {
    const doc = this.docs.get(requireCheckpointKey('InMemoryCheckpointStore.load', key));
    return doc === undefined ? undefined : { value: this.codec.decode(doc.text, key, 'memory'), version: doc.version };
  }

  async save(key: string, value: T, expectedVersion: string | undefined): Promise<string> {
    this.check(requireCheckpointKey('InMemoryCheckpointStore.save', key), expectedVersion);
    const version = String(++this.counter);
    this.docs.set(key, { text: this.codec.encode(value), version });
    return version;
  }

  async delete(key: string, expectedVersion?: string): Promise<void> {
    requireCheckpointKey('InMemoryCheckpointStore.delete', key);
    if (expectedVersion !== undefined) this.check(key, expectedVersion);
    this.docs.delete(key);
  }

  private check(key: string, expectedVersion: string | undefined): void {
    const actual = this.docs.get(key)?.version;
    if (actual !== expectedVersion) throw new CheckpointConflictError(key, expectedVersion, actual);
  }
}
