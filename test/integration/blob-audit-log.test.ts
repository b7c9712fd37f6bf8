import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobAuditLog } from '../../src/storage/blob-audit-log';
import { BlobStore } from '../../src/storage/blob-store';
import { groupCommitOf } from '../../src/storage/group-commit';
import { openDatabase } from '../../src/storage/sqlite-database';
import { SqliteAuditLog } from '../../src/storage/sqlite-audit-log';
import { auditLogContract } from './audit-log-contract';
import { blobNames, freshContainer, lossyProxy, startAzurite, viaPort, type Azurite } from './azurite';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

auditLogContract('SqliteAuditLog', async (now) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-contract-'));
  const databases = [openDatabase(dir)];
  return {
    log: new SqliteAuditLog(databases[0], { now }),
    another: async () => {
      databases.push(openDatabase(dir));
      return new SqliteAuditLog(databases[databases.length - 1], { now });
    },
    close: async () => {
      // As the bot's store does: its group commit (and checkpoint thread) first, then the connection.
      for (const db of databases) {
        groupCommitOf(db).close();
        db.close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

auditLogContract('BlobAuditLog', async (now) => {
  const fresh = await freshContainer(azurite.connectionString);
  return {
    log: new BlobAuditLog(fresh.container, { now }),
    another: async () => new BlobAuditLog(fresh.reconnect(), { now }),
    close: () => fresh.remove(),
  };
});

describe('BlobAuditLog', () => {
  const at = new Date('2025-03-01T12:00:00.000Z');
  const entry = { tenantId: 'tenant-a', actor: { name: 'Ana', userId: '29:ana' }, action: 'block', outcome: 'done', hash: 'ABC', api: 'files' } as const;

  it('writes one immutable blob per entry, newest first by name, tenant and hash in metadata', async () => {
    const fresh = await freshContainer(azurite.connectionString);
    try {
      const log = new BlobAuditLog(fresh.container, { now: () => at });
      const first = await log.record(entry);
      const second = await log.record(entry);
      const names = (await blobNames(fresh.container)).filter((name) => name.startsWith('audit/'));
      expect(names).toEqual([`audit/8259169599999-9999999998-${second.id}.json`, `audit/8259169599999-9999999999-${first.id}.json`]);
      const properties = await fresh.container.getBlobClient(names[1]).getProperties();
      expect(properties.metadata).toEqual({ tenant: 'tenant-a', hash: 'abc' });
      await expect(fresh.container.getBlockBlobClient(names[1]).upload('{}', 2, { conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({ statusCode: 409 });
    } finally {
      await fresh.remove();
    }
  });

  it('indexes each entry with a hash under its lower-case hash, so a lookup by hash lists only that hash', async () => {
    const fresh = await freshContainer(azurite.connectionString);
    try {
      let time = at.getTime();
      const log = new BlobAuditLog(fresh.container, { now: () => new Date(time++) });
      const mine = [await log.record(entry), await log.record({ ...entry, tenantId: 'tenant-b' })];
      for (let i = 0; i < 30; i++) await log.record({ ...entry, hash: `other-${i}` });
      await log.record({ ...entry, hash: undefined });
      const newest = await log.record({ ...entry, hash: 'abc', outcome: 'requested' });
      const listed: Array<string | undefined> = [];
      const container = fresh.reconnect();
      const spied = Object.assign(Object.create(container) as typeof container, {
        listBlobsFlat: (options?: Parameters<typeof container.listBlobsFlat>[0]) => (listed.push(options?.prefix), container.listBlobsFlat(options)),
      });
      const reader = new BlobAuditLog(spied);
      expect((await reader.recent({ hash: 'aBc', limit: 10 })).map((e) => e.id)).toEqual([newest.id, mine[1].id, mine[0].id]);
      expect((await reader.recent({ hash: 'ABC', tenantId: 'tenant-a', limit: 1 })).map((e) => e.id)).toEqual([newest.id]);
      expect(await reader.recent({ hash: 'never-seen', limit: 50 })).toEqual([]);
      expect(listed).toEqual(['audit-hash/abc/', 'audit-hash/abc/', 'audit-hash/never-seen/']);
      const index = (await blobNames(fresh.container)).filter((name) => name.startsWith('audit-hash/abc/'));
      expect(index).toHaveLength(3);
      expect(index[0]).toMatch(new RegExp(`^audit-hash/abc/\\d{13}-\\d{10}-${newest.id}\\.json$`));
    } finally {
      await fresh.remove();
    }
  });

  it('skips an index blob whose entry was never written (a write cut off halfway)', async () => {
    const fresh = await freshContainer(azurite.connectionString);
    try {
      const log = new BlobAuditLog(fresh.container, { now: () => at });
      const kept = await log.record(entry);
      await fresh.container.getBlockBlobClient('audit-hash/abc/0000000000000-0000000000-00000000-0000-4000-8000-000000000000.json').upload('', 0);
      expect(await log.recent({ hash: 'abc', limit: 5 })).toEqual([kept]);
    } finally {
      await fresh.remove();
    }
  });

  it('shares a container with a BlobStore without either seeing the other', async () => {
    const fresh = await freshContainer(azurite.connectionString);
    try {
      const store = new BlobStore(fresh.container);
      const log = new BlobAuditLog(fresh.container);
      await store.put('audit/1', 'value');
      const recorded = await log.record(entry);
      expect(await log.all({})).toEqual([recorded]);
      expect((await store.list('')).map((e) => e.key)).toEqual(['audit/1']);
    } finally {
      await fresh.remove();
    }
  });

  it('connects with a connection string, creating the container', async () => {
    const log = await BlobAuditLog.connect(azurite.connectionString, 'bot-audit', { now: () => at });
    const recorded = await log.record(entry);
    const reconnected = await BlobAuditLog.connect(azurite.connectionString, 'bot-audit');
    expect(await reconnected.recent({ tenantId: 'tenant-a', limit: 1 })).toEqual([recorded]);
  });

  it('records an entry once when its answer was lost and the SDK retried the write', async () => {
    const fresh = await freshContainer(azurite.connectionString);
    const proxy = await lossyProxy(azurite, (req) => req.method === 'PUT' && (req.url ?? '').includes('/audit/'));
    try {
      const quickRetries = { retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 10 } };
      const client = BlobServiceClient.fromConnectionString(viaPort(azurite.connectionString, proxy.port), quickRetries);
      const recorded = await new BlobAuditLog(client.getContainerClient(fresh.container.containerName), { now: () => at }).record(entry);
      expect(proxy.dropped).toBe(1);
      expect(await new BlobAuditLog(fresh.container).all({})).toEqual([recorded]);
    } finally {
      await proxy.close();
      await fresh.remove();
    }
  });
});
