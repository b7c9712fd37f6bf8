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
