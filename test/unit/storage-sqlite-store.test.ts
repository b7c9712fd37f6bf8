import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../src/storage/sqlite-database';
import { SqliteStore } from '../../src/storage/sqlite-store';

const START = Date.parse('2025-03-01T12:00:00Z');

function setUp(sweepIntervalMs?: number) {
  let now = START;
  const db = openDatabase(':memory:');
  const store = new SqliteStore(db, { now: () => new Date(now), sweepIntervalMs });
  return { db, store, advance: (ms: number) => (now += ms) };
}

function rowCount(db: SqliteDatabase, table: 'kv' | 'once'): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('SqliteStore conditional writes', () => {
  it('holds across two connections to the same file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-race-'));
    const a = SqliteStore.open(dir);
    const b = SqliteStore.open(dir);
    try {
      const created = await a.put('k', 0);
      if (!created.ok) throw new Error('setup failed');
      const [fromA, fromB] = await Promise.all([a.put('k', 'a', { ifMatch: created.etag }), b.put('k', 'b', { ifMatch: created.etag })]);
      expect([fromA.ok, fromB.ok]).toEqual([true, false]);
      expect((await b.get('k'))?.value).toBe('a');
    } finally {
      a.close();
      b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SqliteStore expiry', () => {
  it('deletes expired rows on a later write once the sweep interval has passed', async () => {
    const { db, store, advance } = setUp(60_000);
    await store.put('short', 1, { ttlMs: 10 });
    await store.claim('seen', 10);
    advance(59_000);
    await store.put('other', 2);
    expect([rowCount(db, 'kv'), rowCount(db, 'once')]).toEqual([2, 1]);
    advance(1_000);
    await store.put('other', 3);
    expect([rowCount(db, 'kv'), rowCount(db, 'once')]).toEqual([1, 0]);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a ttl of %p', async (ttlMs) => {
    const { store } = setUp();
    await expect(store.put('k', 1, { ttlMs })).rejects.toThrow(RangeError);
    await expect(store.claim('k', ttlMs)).rejects.toThrow(RangeError);
  });
});
