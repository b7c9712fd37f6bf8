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

describe('SqliteStore values', () => {
  it('stores JSON values and returns them with their etag', async () => {
    const { store } = setUp();
    const put = await store.put('approval:1', { hash: 'ab', n: 2, tags: ['x'] });
    expect(put.ok).toBe(true);
    const got = await store.get<{ hash: string }>('approval:1');
    expect(got).toEqual({ value: { hash: 'ab', n: 2, tags: ['x'] }, etag: put.ok && put.etag });
    expect(await store.get('approval:2')).toBeUndefined();
  });

  it('gives every write a new etag', async () => {
    const { store } = setUp();
    const first = await store.put('k', 1);
    const second = await store.put('k', 1);
    expect(first.ok && second.ok && first.etag !== second.etag).toBe(true);
  });

  it('rejects values JSON cannot hold', async () => {
    const { store } = setUp();
    await expect(store.put('k', undefined)).rejects.toThrow(TypeError);
    expect(await store.get('k')).toBeUndefined();
  });
});

describe('SqliteStore conditional writes', () => {
  it('lets exactly one of two writers holding the same etag win', async () => {
    const { store } = setUp();
    const created = await store.put('undo:1', { state: 'open' });
    if (!created.ok) throw new Error('setup failed');
    const results = await Promise.all([
      store.put('undo:1', { state: 'a' }, { ifMatch: created.etag }),
      store.put('undo:1', { state: 'b' }, { ifMatch: created.etag }),
    ]);
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'conflict' }]);
    const stored = await store.get<{ state: string }>('undo:1');
    expect(stored?.etag).toBe(winners[0].ok && winners[0].etag);
  });

  it('treats ifMatch on a missing key as a conflict', async () => {
    const { store } = setUp();
    expect(await store.put('k', 1, { ifMatch: 'whatever' })).toEqual({ ok: false, reason: 'conflict' });
    expect(await store.get('k')).toBeUndefined();
  });

  it('creates with ifNoneMatch only when the key is absent', async () => {
    const { store } = setUp();
    expect((await store.put('k', 'first', { ifNoneMatch: '*' })).ok).toBe(true);
    expect(await store.put('k', 'second', { ifNoneMatch: '*' })).toEqual({ ok: false, reason: 'conflict' });
    expect((await store.get('k'))?.value).toBe('first');
  });

  it('never satisfies ifMatch and ifNoneMatch together', async () => {
    const { store } = setUp();
    const created = await store.put('k', 1);
    if (!created.ok) throw new Error('setup failed');
    expect(await store.put('k', 2, { ifMatch: created.etag, ifNoneMatch: '*' })).toEqual({ ok: false, reason: 'conflict' });
    expect((await store.get('k'))?.value).toBe(1);
  });

  it('deletes with ifMatch only over the current version', async () => {
    const { store } = setUp();
    const first = await store.put('k', 1);
    const second = await store.put('k', 2);
    if (!first.ok || !second.ok) throw new Error('setup failed');
    expect(await store.delete('k', { ifMatch: first.etag })).toEqual({ ok: false, reason: 'conflict' });
    expect((await store.get('k'))?.value).toBe(2);
    expect(await store.delete('k', { ifMatch: second.etag })).toEqual({ ok: true, etag: second.etag });
    expect(await store.get('k')).toBeUndefined();
    expect(await store.delete('k', { ifMatch: second.etag })).toEqual({ ok: false, reason: 'conflict' });
  });

  it('deletes unconditionally whether or not the key exists', async () => {
    const { store } = setUp();
    const put = await store.put('k', 1);
    expect(await store.delete('k')).toEqual({ ok: true, etag: put.ok && put.etag });
    expect(await store.delete('k')).toEqual({ ok: true, etag: '' });
  });

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
  it('hides a value once its ttl has passed', async () => {
    const { store, advance } = setUp();
    await store.put('k', 'v', { ttlMs: 1000 });
    advance(999);
    expect((await store.get('k'))?.value).toBe('v');
    expect(await store.list('')).toHaveLength(1);
    advance(1);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.list('')).toEqual([]);
  });

  it('lets ifNoneMatch create over an expired value but not ifMatch update it', async () => {
    const { store, advance } = setUp();
    const old = await store.put('k', 'old', { ttlMs: 10 });
    if (!old.ok) throw new Error('setup failed');
    advance(10);
    expect(await store.put('k', 'x', { ifMatch: old.etag })).toEqual({ ok: false, reason: 'conflict' });
    expect(await store.delete('k', { ifMatch: old.etag })).toEqual({ ok: false, reason: 'conflict' });
    expect((await store.put('k', 'new', { ifNoneMatch: '*' })).ok).toBe(true);
    advance(1_000_000);
    expect((await store.get('k'))?.value).toBe('new');
  });

  it('clears the ttl when a write gives none', async () => {
    const { store, advance } = setUp();
    const first = await store.put('k', 1, { ttlMs: 10 });
    if (!first.ok) throw new Error('setup failed');
    await store.put('k', 2, { ifMatch: first.etag });
    advance(1000);
    expect((await store.get('k'))?.value).toBe(2);
  });

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

describe('SqliteStore claim', () => {
  it('is true only for the first claim until the ttl passes', async () => {
    const { store, advance } = setUp();
    expect(await store.claim('activity-1', 1000)).toBe(true);
    expect(await store.claim('activity-1', 1000)).toBe(false);
    expect(await store.claim('activity-2', 1000)).toBe(true);
    advance(999);
    expect(await store.claim('activity-1', 1000)).toBe(false);
    advance(1);
    expect(await store.claim('activity-1', 1000)).toBe(true);
    expect(await store.claim('activity-1', 1000)).toBe(false);
  });

  it('keeps claims apart from stored values', async () => {
    const { store } = setUp();
    await store.put('same', 'value');
    expect(await store.claim('same', 1000)).toBe(true);
    expect(await store.get('same')).toMatchObject({ value: 'value' });
    expect((await store.list('')).map((e) => e.key)).toEqual(['same']);
  });
});

describe('SqliteStore list', () => {
  it('matches the prefix literally, wildcards and letter case included', async () => {
    const { store } = setUp();
    const keys = ['a%b:1', 'a%b:2', 'axb:1', 'a_b:1', 'aXb:1', 'A%b:1', 'a%', 'a%b', 'b'];
    for (const key of keys) await store.put(key, key);
    expect((await store.list('a%b')).map((e) => e.key)).toEqual(['a%b', 'a%b:1', 'a%b:2']);
    expect((await store.list('a_b')).map((e) => e.key)).toEqual(['a_b:1']);
    expect((await store.list('a%b:')).map((e) => e.value)).toEqual(['a%b:1', 'a%b:2']);
    expect(await store.list('zz')).toEqual([]);
    expect(await store.list('')).toHaveLength(keys.length);
  });

  it('handles prefixes ending in characters beyond the basic plane', async () => {
    const { store } = setUp();
    for (const key of ['p😀', 'p😀1', 'p😁', 'p\uffff', 'p\u{10ffff}x', 'q']) await store.put(key, 1);
    expect((await store.list('p😀')).map((e) => e.key)).toEqual(['p😀', 'p😀1']);
    expect((await store.list('p\u{10ffff}')).map((e) => e.key)).toEqual(['p\u{10ffff}x']);
    expect(await store.list('p')).toHaveLength(5);
  });

  it('returns each value with its key and etag', async () => {
    const { store } = setUp();
    const put = await store.put('pending:1', { by: 'ana' });
    expect(await store.list('pending:')).toEqual([{ key: 'pending:1', value: { by: 'ana' }, etag: put.ok && put.etag }]);
  });
});
