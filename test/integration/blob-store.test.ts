import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobStore } from '../../src/storage/blob-store';
import { SqliteStore } from '../../src/storage/sqlite-store';
import { blobNames, freshContainer, lossyProxy, startAzurite, viaPort, type Azurite } from './azurite';
import { storeContract } from './store-contract';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

storeContract('SqliteStore', async (now) => {
  const dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
  const opened = [SqliteStore.open(dir, { now })];
  return {
    store: opened[0],
    another: async () => {
      opened.push(SqliteStore.open(dir, { now }));
      return opened[opened.length - 1];
    },
    close: async () => {
      for (const store of opened) store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

storeContract('BlobStore', async (now) => {
  const fresh = await freshContainer(azurite.connectionString);
  return {
    store: new BlobStore(fresh.container, { now }),
    another: async () => new BlobStore(fresh.reconnect(), { now }),
    close: () => fresh.remove(),
  };
});

describe('BlobStore', () => {
  const START = Date.parse('2025-03-01T12:00:00Z');

  it('connects with a connection string, creating the container once', async () => {
    const first = await BlobStore.connect(azurite.connectionString, 'bot-state');
    await first.put('approval:1', { by: 'ana' });
    const second = await BlobStore.connect(azurite.connectionString, 'bot-state');
    expect((await second.get('approval:1'))?.value).toEqual({ by: 'ana' });
  });

  it('keeps one JSON blob per key, values under kv/ and claims under once/, expiry in metadata', async () => {
    const fresh = await freshContainer(azurite.connectionString);
    try {
      const store = new BlobStore(fresh.container, { now: () => new Date(START) });
      await store.put('pending/1:a.b', { by: 'ana' }, { ttlMs: 1000 });
      await store.claim('msteams/conv/x', 5000);
      expect(await blobNames(fresh.container)).toEqual(['kv/pending%2F1%3Aa%2Eb', 'once/msteams%2Fconv%2Fx']);
      const blob = fresh.container.getBlobClient('kv/pending%2F1%3Aa%2Eb');
      expect((await blob.downloadToBuffer()).toString()).toBe('{"by":"ana"}');
      const properties = await blob.getProperties();
      expect([properties.contentType, properties.metadata]).toEqual(['application/json', { expiresat: String(START + 1000), writeid: expect.any(String) }]);
    } finally {
      await fresh.remove();
    }
  });

  it('deletes expired values and claims on a write once the sweep interval has passed', async () => {
    const fresh = await freshContainer(azurite.connectionString);
    try {
      let now = START;
      const store = new BlobStore(fresh.container, { now: () => new Date(now), sweepIntervalMs: 60_000 });
      await store.put('short', 1, { ttlMs: 10 });
      await store.claim('seen', 10);
      now += 59_000;
      await store.put('other', 2);
      expect(await blobNames(fresh.container)).toEqual(['kv/other', 'kv/short', 'once/seen']);
      now += 1_000;
      await store.put('other', 3);
      expect(await blobNames(fresh.container)).toEqual(['kv/other']);
    } finally {
      await fresh.remove();
    }
  });

  it('refuses a key longer than a blob name can be', async () => {
    const store = new BlobStore(BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('never-created'));
    await expect(store.put('x'.repeat(1022), 1)).rejects.toThrow(RangeError);
    await expect(store.get('😀'.repeat(100))).rejects.toThrow(/too long/);
  });

  it('counts a write whose answer was lost and which the SDK retried as done, not as a conflict', async () => {
    const fresh = await freshContainer(azurite.connectionString);
    const proxy = await lossyProxy(azurite, (req) => req.method === 'PUT' && /\/(once|kv)\//.test(req.url ?? ''));
    try {
      const quickRetries = { retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 10 } };
      const name = fresh.container.containerName;
      const lossy = new BlobStore(BlobServiceClient.fromConnectionString(viaPort(azurite.connectionString, proxy.port), quickRetries).getContainerClient(name));
      const direct = new BlobStore(fresh.container);
      expect(await lossy.claim('exchange-1', 60_000)).toBe(true);
      expect(await direct.claim('exchange-1', 60_000)).toBe(false);
      const created = await lossy.put('pending:1', 'a', { ifNoneMatch: '*' });
      expect(created).toEqual({ ok: true, etag: (await direct.get('pending:1'))?.etag });
      const updated = await lossy.put('pending:1', 'b', { ifMatch: created.ok ? created.etag : '' });
      expect(updated).toEqual({ ok: true, etag: (await direct.get('pending:1'))?.etag });
      expect(proxy.dropped).toEqual(3);
    } finally {
      await proxy.close();
      await fresh.remove();
    }
  });
});
