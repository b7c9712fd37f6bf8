import type { AuditEntry, AuditLog } from '../../src/domain/ports';

type NewEntry = Omit<AuditEntry, 'id' | 'at'>;

/** Fresh, empty audit storage for one test, and more instances over the same storage. */
export interface AuditLogFixture {
  readonly log: AuditLog;
  /** Another instance over the same storage, as another bot instance (or the same one after a restart) has. */
  another(): Promise<AuditLog>;
  /** Releases everything the fixture opened. */
  close(): Promise<void>;
}

const SHA1 = 'AbCdEf0123456789abcdef0123456789ABCDEF01';
const OTHER = '1111111111111111111111111111111111111111';
const PER_INSTANCE = 50;

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

/** The behaviour every AuditLog implementation shares; `open` gets the clock to tell time by. */
export function auditLogContract(name: string, open: (now: () => Date) => Promise<AuditLogFixture>): void {
  describe(`AuditLog contract: ${name}`, () => {
    const fixtures: AuditLogFixture[] = [];
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fixture) => fixture.close()));
    });

    async function setUp() {
      let now = Date.parse('2025-03-01T12:00:00.000Z');
      const fixture = await open(() => new Date(now));
      fixtures.push(fixture);
      return { log: fixture.log, another: () => fixture.another(), advance: (ms: number) => (now += ms) };
    }

    describe('record', () => {
      it('assigns a random id and the clock time and returns what it stored', async () => {
        const { log } = await setUp();
        const first = await log.record(entry({ options: { action: 'Block', deviceGroups: ['Servers'] }, correlationId: 'c-1' }));
        const second = await log.record(entry());
        expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(second.id).not.toBe(first.id);
        expect(first.at).toBe('2025-03-01T12:00:00.000Z');
        expect(first).toMatchObject({ ...entry(), options: { action: 'Block', deviceGroups: ['Servers'] }, correlationId: 'c-1' });
        expect(await log.all({})).toEqual([first, second]);
      });

      it('keeps only the fields an audit entry has', async () => {
        const { log } = await setUp();
        const withExtra = { ...entry(), token: 'secret', actor: { ...entry().actor, password: 'x' } } as NewEntry;
        const stored = await log.record(withExtra);
        const [read] = await log.all({});
        expect(JSON.stringify(read)).not.toContain('secret');
        expect(read.actor).toEqual({ aadObjectId: 'oid-1', name: 'Ana Analyst', userId: '29:ana' });
        expect(read).toEqual(stored);
      });
    });

    describe('recent', () => {
      it('returns the newest first up to the limit, same-millisecond entries in reverse order of recording', async () => {
        const { log, advance } = await setUp();
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
        const { log } = await setUp();
        await log.record(entry({ comment: 'a-sha1' }));
        await log.record(entry({ comment: 'a-other', hash: OTHER }));
        await log.record(entry({ comment: 'b-sha1', tenantId: 'tenant-b' }));
        await log.record(entry({ comment: 'no-hash', hash: undefined, hashType: undefined, action: 'status' }));
        await log.record(entry({ comment: 'no-tenant', tenantId: undefined }));
        const comments = async (q: Parameters<AuditLog['recent']>[0]) => (await log.recent(q)).map((e) => e.comment);
        expect(await comments({ tenantId: 'tenant-a', limit: 10 })).toEqual(['no-hash', 'a-other', 'a-sha1']);
        expect(await comments({ hash: SHA1.toLowerCase(), limit: 10 })).toEqual(['no-tenant', 'b-sha1', 'a-sha1']);
        expect(await comments({ hash: SHA1.toUpperCase(), limit: 10 })).toEqual(['no-tenant', 'b-sha1', 'a-sha1']);
        expect(await comments({ tenantId: 'tenant-b', hash: SHA1, limit: 10 })).toEqual(['b-sha1']);
        expect(await comments({ tenantId: 'tenant-c', limit: 10 })).toEqual([]);
        expect(await comments({ hash: SHA1, limit: 2 })).toEqual(['no-tenant', 'b-sha1']);
      });

      it('matches tenants holding any characters exactly', async () => {
        const { log } = await setUp();
        for (const tenantId of ['t/1', 't 1', 'T/1', 'ü:1', '']) await log.record(entry({ tenantId, comment: tenantId }));
        for (const tenantId of ['t/1', 't 1', 'T/1', 'ü:1', '']) expect((await log.recent({ tenantId, limit: 10 })).map((e) => e.comment)).toEqual([tenantId]);
      });

      it('keeps the hash as recorded', async () => {
        const { log } = await setUp();
        await log.record(entry());
        expect((await log.recent({ hash: SHA1.toLowerCase(), limit: 1 }))[0].hash).toBe(SHA1);
      });

      it.each([-1, 1.5, Number.NaN])('refuses a limit of %p', async (limit) => {
        const { log } = await setUp();
        await expect(log.recent({ limit })).rejects.toThrow(RangeError);
      });
    });

    describe('all', () => {
      it('returns everything oldest first, from `since` inclusive, for one tenant or all', async () => {
        const { log, advance } = await setUp();
        await log.record(entry({ comment: '12:00' }));
        advance(60 * 60_000);
        await log.record(entry({ comment: '13:00', tenantId: 'tenant-b' }));
        advance(60 * 60_000);
        await log.record(entry({ comment: '14:00' }));
        const comments = async (q: Parameters<AuditLog['all']>[0]) => (await log.all(q)).map((e) => e.comment);
        expect(await comments({})).toEqual(['12:00', '13:00', '14:00']);
        expect(await comments({ since: '2025-03-01T13:00:00.000Z' })).toEqual(['13:00', '14:00']);
        expect(await comments({ tenantId: 'tenant-a' })).toEqual(['12:00', '14:00']);
        expect(await comments({ tenantId: 'tenant-a', since: '2025-03-01T12:00:00.001Z' })).toEqual(['14:00']);
      });

      it('reads `since` in any ISO form, offsets included', async () => {
        const { log, advance } = await setUp();
        await log.record(entry({ comment: 'early' }));
        advance(2 * 60 * 60_000);
        await log.record(entry({ comment: 'late' }));
        expect((await log.all({ since: '2025-03-01T14:00:00+01:00' })).map((e) => e.comment)).toEqual(['late']);
        expect((await log.all({ since: '2025-03-01' })).map((e) => e.comment)).toEqual(['early', 'late']);
        await expect(log.all({ since: 'yesterday' })).rejects.toThrow(RangeError);
      });
    });

    describe('several instances', () => {
      it(`keeps all ${2 * PER_INSTANCE} entries two instances record at once, newest first, filterable by hash`, async () => {
        const { log, another, advance } = await setUp();
        const other = await another();
        const recorded = await Promise.all(
          Array.from({ length: 2 * PER_INSTANCE }, (_, i) => {
            if (i % 10 === 0) advance(1);
            return (i % 2 === 0 ? log : other).record(entry({ comment: `#${i}`, hash: i % 5 === 0 ? OTHER : SHA1 }));
          }),
        );
        const all = await log.all({});
        expect(new Set(all.map((e) => e.id))).toEqual(new Set(recorded.map((e) => e.id)));
        expect(all.map((e) => e.at)).toEqual([...all.map((e) => e.at)].sort());
        const recent = await other.recent({ limit: 1000 });
        expect(recent).toEqual([...all].reverse());
        const byHash = await log.recent({ hash: OTHER, limit: 1000 });
        expect(byHash.map((e) => e.comment).sort()).toEqual(
          recorded
            .filter((e) => e.hash === OTHER)
            .map((e) => e.comment)
            .sort(),
        );
        expect(byHash.map((e) => e.at)).toEqual([...byHash.map((e) => e.at)].sort().reverse());
      });

      it('keeps the trail for a new instance (a restart)', async () => {
        const { log, another } = await setUp();
        const recorded = await log.record(entry());
        const restarted = await another();
        expect(await restarted.all({})).toEqual([recorded]);
        expect(await restarted.recent({ hash: SHA1, limit: 5 })).toEqual([recorded]);
      });
    });
  });
}
