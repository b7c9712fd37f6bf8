import { MemoryStore } from '../../src/storage/memory-store';
import { storeContract } from '../integration/store-contract';

storeContract('MemoryStore', async (now) => {
  const store = new MemoryStore({ now });
  return {
    store,
    another: async () => new MemoryStore({ now, sharing: store }),
    close: async () => undefined,
  };
});

describe('MemoryStore', () => {
  it('hands out copies, so neither the writer nor a reader can change what is stored', async () => {
    const store = new MemoryStore();
    const value = { status: 'pending', tags: ['a'] };
    await store.put('approval/1', value);
    value.status = 'approved';
    value.tags.push('b');
    const read = await store.get<{ status: string; tags: string[] }>('approval/1');
    read?.value.tags.push('c');
    const [listed] = await store.list<{ status: string; tags: string[] }>('approval/');
    listed.value.status = 'rejected';
    expect((await store.get('approval/1'))?.value).toEqual({ status: 'pending', tags: ['a'] });
  });

  it('stores what JSON keeps, as a durable store does: dates become strings, undefined fields go', async () => {
    const store = new MemoryStore();
    await store.put('k', { at: new Date('2025-03-01T12:00:00Z'), gone: undefined });
    expect((await store.get('k'))?.value).toEqual({ at: '2025-03-01T12:00:00.000Z' });
    expect(Object.keys((await store.get<object>('k'))?.value ?? {})).toEqual(['at']);
  });

  it('keeps separate stores apart unless one shares the other', async () => {
    const first = new MemoryStore();
    await first.put('k', 1);
    await first.claim('c', 1000);
    const separate = new MemoryStore();
    const sharing = new MemoryStore({ sharing: first });
    expect(await separate.get('k')).toBeUndefined();
    expect(await separate.claim('c', 1000)).toBe(true);
    expect((await sharing.get('k'))?.value).toBe(1);
    expect(await sharing.claim('c', 1000)).toBe(false);
  });
});
