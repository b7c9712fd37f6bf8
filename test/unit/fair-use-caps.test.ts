import type { Activity, TurnContext } from 'botbuilder';
import { BulkRunner } from '../../src/bot/bulk-runner';
import type { Continuation } from '../../src/bot/continuation';
import { AuditExports } from '../../src/bot/history-export';
import { BulkJobs } from '../../src/domain/bulk-job';
import { fairUseKey } from '../../src/domain/fair-use';
import type { DefenderApi } from '../../src/domain/ports';
import { DirectoryRole } from '../../src/domain/roles';
import { StoreKey } from '../../src/domain/store-keys';
import { MemoryAuditLog } from '../../src/storage/memory-audit-log';
import { MemoryStore } from '../../src/storage/memory-store';
import { messageActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';

const caller = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana', tenantId: 't1' };
const delegation = { graph: async () => 'g', defender: async () => 'd' };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const roles = { rolesOf: async () => ({ ok: true as const, roles: new Set<string>([DirectoryRole.SecurityAdministrator]) }) };

/** A continuation into a conversation that records every card sent. */
function recording() {
  const sent: string[][] = [];
  const context = {
    activity: messageActivity('https://smba.test.example/', 'x') as unknown as Activity,
    sendActivity: async (activity: Partial<Activity>) => {
      sent.push(cardTexts(activity.attachments?.[0]?.content));
      return { id: `m-${sent.length}` };
    },
    updateActivity: async (activity: Partial<Activity>) => {
      sent.push(cardTexts(activity.attachments?.[0]?.content));
    },
  } as unknown as TurnContext;
  const continuation: Continuation = (logic) => logic(context);
  return { sent, continuation };
}

describe('per-user caps', () => {
  it('refuses a second bulk block while the first still runs, before anything reaches Defender', async () => {
    const store = new MemoryStore();
    const now = () => new Date('2026-01-01T00:00:00Z');
    const jobs = new BulkJobs(store, now);
    const calls: string[] = [];
    const defender = {
      kind: 'indicators',
      hashTypes: ['Sha1'],
      supportsOptions: true,
      maxBatch: 500,
      importBlocks: async () => {
        calls.push('import');
        return [];
      },
      existingBlocks: async () => {
        calls.push('lookup');
        return new Map();
      },
    } as unknown as DefenderApi;
    const runner = new BulkRunner({
      actions: { roles, defender, audit: new MemoryAuditLog(), now, widespreadThreshold: 100 },
      timing: { sleep: async () => undefined, patienceMs: 0 },
      logger: quiet,
      reviews: { store, newId: () => 'r-1', decisionTtlMs: 60_000 },
      jobs: { jobs, maxPerUser: 1, proactive: async () => undefined },
    });
    await jobs.start('running', fairUseKey(caller), { items: [], options: { action: 'Block' }, caller });
    const { sent, continuation } = recording();

    await runner.run({ items: [{ hash: { value: 'ab'.repeat(20), type: 'Sha1' }, comment: 'c' }], options: { action: 'Block' }, caller }, delegation, continuation);

    expect(sent).toEqual([
      [
        'Slow down: nothing was done',
        'You already have a bulk block running; one person may run 1 at a time.',
        'Send this list again once the running one has finished. Nothing was sent to Defender.',
      ],
    ]);
    expect(calls).toEqual([]);
  });

  it('runs only one of the two choices of a review card, even when both were pressed at once', async () => {
    const store = new MemoryStore();
    const now = () => new Date('2026-01-01T00:00:00Z');
    const imported: number[] = [];
    const defender = {
      kind: 'indicators',
      hashTypes: ['Sha1'],
      supportsOptions: true,
      maxBatch: 500,
      importBlocks: async (requests: readonly unknown[]) => {
        imported.push(requests.length);
        return [];
      },
      existingBlocks: async () => new Map(),
    } as unknown as DefenderApi;
    const runner = new BulkRunner({
      actions: { roles, defender, audit: new MemoryAuditLog(), now, widespreadThreshold: 100 },
      timing: { sleep: async () => undefined, patienceMs: 0 },
      logger: quiet,
      reviews: { store, newId: () => 'r', decisionTtlMs: 60_000 },
    });
    const item = (i: number) => ({ hash: { value: String(i).repeat(40), type: 'Sha1' as const }, comment: 'c' });
    // Both stored choices were taken by two presses; each names the other.
    const all = { items: [item(1), item(2)], options: { action: 'Block' as const }, caller, prechecked: true, sibling: 'rest' };
    const rest = { items: [item(2)], options: { action: 'Block' as const }, caller, prechecked: true, sibling: 'all' };
    await store.put(StoreKey.bulkReview('all'), all);
    await store.put(StoreKey.bulkReview('rest'), rest);
    await store.delete(StoreKey.bulkReview('all'));
    await store.delete(StoreKey.bulkReview('rest'));
    const first = recording();
    const second = recording();

    await runner.run(rest, delegation, first.continuation);
    await runner.run(all, delegation, second.continuation);

    expect(imported).toEqual([]);
    expect(first.sent[0]).toEqual(['This request is no longer open', 'It expired or was already answered. Nothing was sent to Defender; send the command again if needed.']);
    expect(second.sent[0]).toEqual(first.sent[0]);

    await store.put(StoreKey.bulkReview('all'), all);
    const third = recording();
    await runner.run(rest, delegation, third.continuation);
    expect(imported).toEqual([1]);
    expect(await store.get(StoreKey.bulkReview('all'))).toBeUndefined();
  });

  it('refuses an export while the person already has the allowed number waiting, without reading the trail', async () => {
    const store = new MemoryStore();
    const audit = new MemoryAuditLog();
    const read = jest.spyOn(audit, 'all');
    const exports = new AuditExports({
      roles,
      audit,
      store,
      files: { download: async () => '', upload: async () => undefined },
      now: () => new Date(),
      newId: () => 'x',
      ttlMs: 60_000,
      maxPerUser: 2,
    });
    await store.put(StoreKey.export('e-1'), { name: 'a.csv', content: '', userId: caller.userId, count: 0 });
    await store.put(StoreKey.export('e-2'), { name: 'b.csv', content: '', userId: caller.userId, count: 0 });
    await store.put(StoreKey.export('e-3'), { name: 'c.csv', content: '', userId: '29:ben', count: 0 });
    const { sent, continuation } = recording();

    await exports.offer(caller, 'csv', delegation, continuation);

    expect(sent).toEqual([['Slow down: nothing was done', 'You already have 2 exports being prepared; one person may have 2 at a time.', 'Ask again once one of them is ready.']]);
    expect(read).not.toHaveBeenCalled();
  });
});
