import type { AuditEntry } from '../../src/domain/ports';
import { MemoryAuditLog } from '../../src/storage/memory-audit-log';
import { auditLogContract } from '../integration/audit-log-contract';

type NewEntry = Omit<AuditEntry, 'id' | 'at'>;

auditLogContract('MemoryAuditLog', async (now) => {
  const log = new MemoryAuditLog({ now });
  return {
    log,
    another: async () => new MemoryAuditLog({ now, sharing: log }),
    close: async () => undefined,
  };
});

const entry = (comment: string): NewEntry => ({
  tenantId: 'tenant-a',
  actor: { aadObjectId: 'oid-1', name: 'Ana Analyst', userId: '29:ana' },
  action: 'block',
  outcome: 'done',
  hash: 'abcdef0123456789abcdef0123456789abcdef01',
  hashType: 'Sha1',
  comment,
  api: 'files',
});

describe('MemoryAuditLog', () => {
  it('hands out copies, so nobody can rewrite the trail through an entry they hold', async () => {
    const log = new MemoryAuditLog({ now: () => new Date('2025-03-01T12:00:00.000Z') });
    const recorded = entry('original');
    const returned = await log.record(recorded);
    (recorded as { comment: string }).comment = 'changed by the recorder';
    (returned.actor as { name: string }).name = 'changed through the answer';
    const [read] = await log.recent({ limit: 1 });
    (read as { comment: string }).comment = 'changed by a reader';
    expect(await log.all({})).toEqual([{ ...entry('original'), id: returned.id, at: '2025-03-01T12:00:00.000Z' }]);
  });

  it('orders by time, not by recording, when the clock goes back', async () => {
    let now = Date.parse('2025-03-01T12:00:00.000Z');
    const log = new MemoryAuditLog({ now: () => new Date(now) });
    await log.record(entry('later'));
    now -= 1000;
    await log.record(entry('earlier'));
    expect((await log.all({})).map((e) => e.comment)).toEqual(['earlier', 'later']);
    expect((await log.recent({ limit: 5 })).map((e) => e.comment)).toEqual(['later', 'earlier']);
  });

  it('keeps separate logs apart unless one shares the other', async () => {
    const first = new MemoryAuditLog();
    const stored = await first.record(entry('one'));
    expect(await new MemoryAuditLog().all({})).toEqual([]);
    expect(await new MemoryAuditLog({ sharing: first }).all({})).toEqual([stored]);
  });
});
