import { InMemoryCheckpointStore, type CheckpointStore } from 'tributary';
import { describeCheckpointStoreContract } from '../support/checkpoint-store-contract';

describeCheckpointStoreContract(
  'InMemoryCheckpointStore',
  async () => {
    const store = new InMemoryCheckpointStore<unknown>();
    return { open: <T>() => store as CheckpointStore<T> };
  },
  false,
);

describe('InMemoryCheckpointStore', () => {
  it('stores a copy, not the caller’s object', async () => {
    const store = new InMemoryCheckpointStore<{ list: number[] }>();
    const value = { list: [1] };
    await store.save('k', value, undefined);
    value.list.push(2);
    expect((await store.load('k'))?.value).toEqual({ list: [1] });
  });
});
