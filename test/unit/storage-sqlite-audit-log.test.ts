import type { AuditEntry } from '../../src/domain/ports';
import { openDatabase } from '../../src/storage/sqlite-database';
import { SqliteAuditLog } from '../../src/storage/sqlite-audit-log';

type NewEntry = Omit<AuditEntry, 'id' | 'at'>;

const SHA1 = 'AbCdEf0123456789abcdef0123456789ABCDEF01';

function entry(overrides: Partial<NewEntry> = {}): NewEntry {
  return {
    tenantId: 'tenant-a',
    actor: { aadObjectId: 'oid-1', name: 'Ana Analyst', userId: '29:ana' },
    action: 'block',
    outcome: 'done',
    hash: SHA1,
    hashType: 'Sha1',
    comment: 'ransomware dropper',
    api: 'files',
    ...overrides,
  };
}

function setUp() {
  let now = Date.parse('2025-03-01T12:00:00.000Z');
  const db = openDatabase(':memory:');
  const log = new SqliteAuditLog(db, { now: () => new Date(now) });
  return { db, log, advance: (ms: number) => (now += ms) };
}

describe('SqliteAuditLog record', () => {
  it('refuses to change or remove an entry, even through SQL', async () => {
    const { db, log } = setUp();
    const stored = await log.record(entry());
    expect(() => db.prepare("UPDATE audit SET entry = '{}'").run()).toThrow(/immutable/);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/immutable/);
    expect(await log.all({})).toEqual([stored]);
  });
});

describe('SqliteAuditLog recent', () => {
  it.each([-1, 1.5, Number.NaN])('refuses a limit of %p', async (limit) => {
    const { log } = setUp();
    await expect(log.recent({ limit })).rejects.toThrow(RangeError);
  });
});

describe('SqliteAuditLog lookups by hash', () => {
  it.each([
    ['hash alone', { hash: SHA1 }, 'audit_hash_at'],
    ['tenant and hash', { tenantId: 'tenant-a', hash: SHA1 }, 'audit_tenant_hash_at'],
  ])('reads only that hash through an index (%s), newest first, with no sort step', async (_name, filter, index) => {
    const { db, log, advance } = setUp();
    const prepared: string[] = [];
    const prepare = db.prepare.bind(db);
    jest.spyOn(db, 'prepare').mockImplementation((sql: string) => (prepared.push(sql), prepare(sql)));
    await log.record(entry());
    advance(1);
    await log.record(entry({ hash: 'ffff0123456789abcdef0123456789abcdef0123' }));
    advance(1);
    const newest = await log.record(entry({ outcome: 'requested' }));
    const found = await log.recent({ ...filter, limit: 1 });
    expect(found.map((e) => e.id)).toEqual([newest.id]);
    const sql = prepared.find((text) => text.includes('hash = @hash')) as string;
    const plan = (prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ tenant: 'tenant-a', hash: SHA1.toLowerCase(), limit: 1 }) as Array<{ detail: string }>).map((row) => row.detail);
    expect(plan.join('\n')).toContain(`USING INDEX ${index}`);
    expect(plan.join('\n')).not.toContain('TEMP B-TREE');
  });
});
