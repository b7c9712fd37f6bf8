import type { AuditEntry } from '../../src/domain/ports';
import { openDatabase } from '../../src/storage/sqlite-database';
import { SqliteAuditLog } from '../../src/storage/sqlite-audit-log';

type NewEntry = Omit<AuditEntry, 'id' | 'at'>;

const SHA1 = 'AbCdEf0123456789abcdef0123456789ABCDEF01';
const OTHER = '1111111111111111111111111111111111111111';

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
  it('assigns a random id and the clock time and returns what it stored', async () => {
    const { log } = setUp();
    const first = await log.record(entry({ options: { action: 'Block', deviceGroups: ['Servers'] }, correlationId: 'c-1' }));
    const second = await log.record(entry());
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.id).not.toBe(first.id);
    expect(first.at).toBe('2025-03-01T12:00:00.000Z');
    expect(first).toMatchObject({ ...entry(), options: { action: 'Block', deviceGroups: ['Servers'] }, correlationId: 'c-1' });
    expect(await log.all({})).toEqual([first, second]);
  });

  it('keeps only the fields an audit entry has', async () => {
    const { log } = setUp();
    const withExtra = { ...entry(), token: 'secret', actor: { ...entry().actor, password: 'x' } } as NewEntry;
    const stored = await log.record(withExtra);
    const [read] = await log.all({});
    expect(JSON.stringify(read)).not.toContain('secret');
    expect(read.actor).toEqual({ aadObjectId: 'oid-1', name: 'Ana Analyst', userId: '29:ana' });
    expect(read).toEqual(stored);
  });

  it('refuses to change or remove an entry, even through SQL', async () => {
    const { db, log } = setUp();
    const stored = await log.record(entry());
    expect(() => db.prepare("UPDATE audit SET entry = '{}'").run()).toThrow(/immutable/);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/immutable/);
    expect(await log.all({})).toEqual([stored]);
  });
});

describe('SqliteAuditLog recent', () => {
  it('returns the newest first up to the limit, same-millisecond entries in reverse order of recording', async () => {
    const { log, advance } = setUp();
    const a = await log.record(entry({ comment: 'a' }));
    advance(1000);
    const b = await log.record(entry({ comment: 'b' }));
    const c = await log.record(entry({ comment: 'c' }));
    expect((await log.recent({ limit: 10 })).map((e) => e.comment)).toEqual(['c', 'b', 'a']);
    expect(await log.recent({ limit: 2 })).toEqual([c, b]);
    expect(await log.recent({ limit: 0 })).toEqual([]);
    expect(a.at < b.at).toBe(true);
  });

  it('filters by tenant, by hash in any letter case, and by both', async () => {
    const { log } = setUp();
    await log.record(entry({ comment: 'a-sha1' }));
    await log.record(entry({ comment: 'a-other', hash: OTHER }));
    await log.record(entry({ comment: 'b-sha1', tenantId: 'tenant-b' }));
    await log.record(entry({ comment: 'no-hash', hash: undefined, hashType: undefined, action: 'status' }));
    const comments = async (q: Parameters<SqliteAuditLog['recent']>[0]) => (await log.recent(q)).map((e) => e.comment);
    expect(await comments({ tenantId: 'tenant-a', limit: 10 })).toEqual(['no-hash', 'a-other', 'a-sha1']);
    expect(await comments({ hash: SHA1.toLowerCase(), limit: 10 })).toEqual(['b-sha1', 'a-sha1']);
    expect(await comments({ hash: SHA1.toUpperCase(), limit: 10 })).toEqual(['b-sha1', 'a-sha1']);
    expect(await comments({ tenantId: 'tenant-b', hash: SHA1, limit: 10 })).toEqual(['b-sha1']);
    expect(await comments({ tenantId: 'tenant-c', limit: 10 })).toEqual([]);
  });

  it('keeps the hash as recorded', async () => {
    const { log } = setUp();
    await log.record(entry());
    expect((await log.recent({ hash: SHA1.toLowerCase(), limit: 1 }))[0].hash).toBe(SHA1);
  });

  it.each([-1, 1.5, Number.NaN])('refuses a limit of %p', async (limit) => {
    const { log } = setUp();
    await expect(log.recent({ limit })).rejects.toThrow(RangeError);
  });
});

describe('SqliteAuditLog all', () => {
  it('returns everything oldest first, from `since` inclusive, for one tenant or all', async () => {
    const { log, advance } = setUp();
    await log.record(entry({ comment: '12:00' }));
    advance(60 * 60_000);
    await log.record(entry({ comment: '13:00', tenantId: 'tenant-b' }));
    advance(60 * 60_000);
    await log.record(entry({ comment: '14:00' }));
    const comments = async (q: Parameters<SqliteAuditLog['all']>[0]) => (await log.all(q)).map((e) => e.comment);
    expect(await comments({})).toEqual(['12:00', '13:00', '14:00']);
    expect(await comments({ since: '2025-03-01T13:00:00.000Z' })).toEqual(['13:00', '14:00']);
    expect(await comments({ tenantId: 'tenant-a' })).toEqual(['12:00', '14:00']);
    expect(await comments({ tenantId: 'tenant-a', since: '2025-03-01T12:00:00.001Z' })).toEqual(['14:00']);
  });

  it('reads `since` in any ISO form, offsets included', async () => {
    const { log, advance } = setUp();
    await log.record(entry({ comment: 'early' }));
    advance(2 * 60 * 60_000);
    await log.record(entry({ comment: 'late' }));
    expect((await log.all({ since: '2025-03-01T14:00:00+01:00' })).map((e) => e.comment)).toEqual(['late']);
    expect((await log.all({ since: '2025-03-01' })).map((e) => e.comment)).toEqual(['early', 'late']);
    await expect(log.all({ since: 'yesterday' })).rejects.toThrow(RangeError);
  });
});
