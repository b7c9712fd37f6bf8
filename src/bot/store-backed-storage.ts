import type { Storage, StoreItems } from 'botbuilder';
import type { Store } from '../domain/ports';

/** How long botbuilder's items (SSO exchange ids) are kept. */
const KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * botbuilder's Storage over the bot's Store, for TeamsSSOTokenExchangeMiddleware's de-duplication
 * on one or many instances. An item written with an eTag is created only if absent and replaced
 * only over that eTag, as MemoryStorage does; a clash throws "eTag conflict", which the middleware
 * reads as "another instance has this exchange". (BlobsStorage turns an eTag on a new key into a
 * failed precondition, so every first exchange looks like a duplicate and SSO never completes.)
 */
export class StoreBackedStorage implements Storage {
  constructor(
    private readonly store: Store,
    private readonly prefix = 'botstate/',
  ) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const key of keys) {
      const found = await this.store.get<Record<string, unknown>>(this.prefix + key);
      if (found) items[key] = { ...found.value, eTag: found.etag };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...value } = (item ?? {}) as Record<string, unknown> & { eTag?: string };
      let condition: { ifMatch?: string; ifNoneMatch?: '*' } = {};
      if (eTag && eTag !== '*') {
        const current = await this.store.get(this.prefix + key);
        if (current && current.etag !== eTag) throw conflict(key);
        condition = current ? { ifMatch: current.etag } : { ifNoneMatch: '*' };
      }
      const written = await this.store.put(this.prefix + key, value, { ...condition, ttlMs: KEEP_MS });
      if (!written.ok) throw conflict(key);
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await this.store.delete(this.prefix + key);
  }
}

function conflict(key: string): Error {
  return new Error(`Storage: error writing "${key}" due to eTag conflict.`);
}
