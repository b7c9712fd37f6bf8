import { TestAdapter, type Activity } from 'botbuilder';
import { AuditExports } from '../../src/bot/history-export';
import { StoreKey } from '../../src/domain/store-keys';
import { MemoryAuditLog } from '../../src/storage/memory-audit-log';
import { MemoryStore } from '../../src/storage/memory-store';

const noFiles = { download: async () => '', upload: async () => undefined };
const roles = { rolesOf: async () => ({ ok: true as const, roles: new Set<never>() }) };

async function discardAs(exports: AuditExports, userId: string, exportId: string): Promise<void> {
  const adapter = new TestAdapter();
  const activity: Partial<Activity> = {
    type: 'invoke',
    name: 'fileConsent/invoke',
    from: { id: userId, name: userId },
    conversation: { id: 'a:1', name: '', isGroup: false, conversationType: 'personal' },
  };
  await adapter.processActivity(activity, (context) => exports.discard(context, { action: 'decline', context: { exportId } }));
}

describe('AuditExports.discard', () => {
  it('lets only the person the export was made for throw it away', async () => {
    const store = new MemoryStore();
    const exports = new AuditExports({ roles, audit: new MemoryAuditLog(), store, files: noFiles, now: () => new Date(), newId: () => 'x', ttlMs: 60_000 });
    await store.put(StoreKey.export('e-1'), { name: 'a.csv', content: 'secret', userId: '29:ana', count: 1 });

    await discardAs(exports, '29:mallory', 'e-1');
    expect((await store.get(StoreKey.export('e-1')))?.value).toMatchObject({ userId: '29:ana' });

    await discardAs(exports, '29:ana', 'e-1');
    expect(await store.get(StoreKey.export('e-1'))).toBeUndefined();
  });
});
