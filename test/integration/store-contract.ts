import type { OnceStore, Store, WriteResult } from '../../src/domain/ports';

/** A Store that is also a OnceStore, as every implementation is. */
export type SharedStore = Store & OnceStore;

/** Fresh, empty storage for one test, and more instances over the same storage. */
export interface StoreFixture {
  readonly store: SharedStore;
  /** Another instance over the same storage, as another bot instance (or the same one after a restart) has. */
  another(): Promise<SharedStore>;
  /** Releases everything the fixture opened. */
  close(): Promise<void>;
}

const START = Date.parse('2025-03-01T12:00:00Z');
const RACERS = 20;
const CONFLICT: WriteResult = { ok: false, reason: 'conflict' };

/** The behaviour every Store and OnceStore implementation shares; `open` gets the clock to tell time by. */
export function storeContract(name: string, open: (now: () => Date) => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    const fixtures: StoreFixture[] = [];
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fixture) => fixture.close()));
    });

    async function setUp() {
      let now = START;
      const fixture = await open(() => new Date(now));
      fixtures.push(fixture);
      return { store: fixture.store, another: () => fixture.another(), advance: (ms: number) => (now += ms) };
    }

    /** `count` writers split over two instances, all started together. */
    async function race<R>(count: number, first: SharedStore, second: SharedStore, act: (store: SharedStore, i: number) => Promise<R>): Promise<R[]> {
      return Promise.all(Array.from({ length: count }, (_, i) => act(i % 2 === 0 ? first : second, i)));
    }

    describe('values', () => {
      it('stores JSON values and returns them with their etag', async () => {
        const { store } = await setUp();
        const put = await store.put('approval:1', { hash: 'ab', n: 2, tags: ['x'] });
        expect(put.ok).toBe(true);
        expect(await store.get('approval:1')).toEqual({ value: { hash: 'ab', n: 2, tags: ['x'] }, etag: put.ok && put.etag });
        expect(await store.get('approval:2')).toBeUndefined();
      });

      it('gives every write a new etag', async () => {
        const { store } = await setUp();
        const first = await store.put('k', 1);
        const second = await store.put('k', 1);
        expect(first.ok && second.ok && first.etag !== second.etag).toBe(true);
      });

      it('rejects values JSON cannot hold', async () => {
        const { store } = await setUp();
        await expect(store.put('k', undefined)).rejects.toThrow(TypeError);
        expect(await store.get('k')).toBeUndefined();
      });

      it('keeps keys apart whatever characters they hold', async () => {
        const { store } = await setUp();
        const keys = ['a/b', 'a%2Fb', 'a', 'a/', 'a//b', '.', '..', 'a/./b', 'a/../b', 'a\\b', 'a?b#c', 'sp ace:1', "x!'()*~", 'ü', '😀/1', '%'];
        for (const key of keys) expect((await store.put(key, key)).ok).toBe(true);
        for (const key of keys) expect((await store.get(key))?.value).toBe(key);
        expect((await store.list('')).map((e) => e.key).sort()).toEqual([...keys].sort());
        expect((await store.list('a/')).map((e) => e.value)).toEqual(['a/', 'a/../b', 'a/./b', 'a//b', 'a/b']);
        expect((await store.list('.')).map((e) => e.value)).toEqual(['.', '..']);
      });
    });

    describe('conditional writes', () => {
      it('lets exactly one of two writers holding the same etag win', async () => {
        const { store } = await setUp();
        const created = await store.put('undo:1', { state: 'open' });
        if (!created.ok) throw new Error('setup failed');
        const results = await Promise.all([store.put('undo:1', { state: 'a' }, { ifMatch: created.etag }), store.put('undo:1', { state: 'b' }, { ifMatch: created.etag })]);
        const winners = results.filter((r) => r.ok);
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => !r.ok)).toEqual([CONFLICT]);
        expect((await store.get('undo:1'))?.etag).toBe(winners[0].ok && winners[0].etag);
      });

      it(`lets exactly one of ${RACERS} writers on two instances holding the same etag win`, async () => {
        const { store, another } = await setUp();
        const other = await another();
        const created = await store.put('approval:7', { state: 'pending' });
        if (!created.ok) throw new Error('setup failed');
        const results = await race(RACERS, store, other, (s, i) => s.put('approval:7', { state: `by-${i}` }, { ifMatch: created.etag }));
        const winners = results.flatMap((r, i) => (r.ok ? [{ i, etag: r.etag }] : []));
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => !r.ok)).toHaveLength(RACERS - 1);
        expect(await other.get('approval:7')).toEqual({ value: { state: `by-${winners[0].i}` }, etag: winners[0].etag });
      });

      it('treats ifMatch on a missing key as a conflict', async () => {
        const { store } = await setUp();
        expect(await store.put('k', 1, { ifMatch: 'whatever' })).toEqual(CONFLICT);
        expect(await store.get('k')).toBeUndefined();
      });

      it('creates with ifNoneMatch only when the key is absent', async () => {
        const { store } = await setUp();
        expect((await store.put('k', 'first', { ifNoneMatch: '*' })).ok).toBe(true);
        expect(await store.put('k', 'second', { ifNoneMatch: '*' })).toEqual(CONFLICT);
        expect((await store.get('k'))?.value).toBe('first');
      });

      it(`lets exactly one of ${RACERS} creators on two instances win`, async () => {
        const { store, another } = await setUp();
        const other = await another();
        const results = await race(RACERS, store, other, (s, i) => s.put('pending:1', i, { ifNoneMatch: '*' }));
        const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
        expect(winners).toHaveLength(1);
        expect((await store.get('pending:1'))?.value).toBe(winners[0]);
      });

      it('never satisfies ifMatch and ifNoneMatch together', async () => {
        const { store } = await setUp();
        const created = await store.put('k', 1);
        if (!created.ok) throw new Error('setup failed');
        expect(await store.put('k', 2, { ifMatch: created.etag, ifNoneMatch: '*' })).toEqual(CONFLICT);
        expect((await store.get('k'))?.value).toBe(1);
      });

      it('deletes with ifMatch only over the current version', async () => {
        const { store } = await setUp();
        const first = await store.put('k', 1);
        const second = await store.put('k', 2);
        if (!first.ok || !second.ok) throw new Error('setup failed');
        expect(await store.delete('k', { ifMatch: first.etag })).toEqual(CONFLICT);
        expect((await store.get('k'))?.value).toBe(2);
        expect(await store.delete('k', { ifMatch: second.etag })).toEqual({ ok: true, etag: second.etag });
        expect(await store.get('k')).toBeUndefined();
        expect(await store.delete('k', { ifMatch: second.etag })).toEqual(CONFLICT);
      });

      it('deletes unconditionally whether or not the key exists', async () => {
        const { store } = await setUp();
        const put = await store.put('k', 1);
        expect(await store.delete('k')).toEqual({ ok: true, etag: put.ok && put.etag });
        expect(await store.delete('k')).toEqual({ ok: true, etag: '' });
      });
    });

    describe('expiry', () => {
      it('hides a value once its ttl has passed', async () => {
        const { store, advance } = await setUp();
        await store.put('k', 'v', { ttlMs: 1000 });
        advance(999);
        expect((await store.get('k'))?.value).toBe('v');
        expect(await store.list('')).toHaveLength(1);
        advance(1);
        expect(await store.get('k')).toBeUndefined();
        expect(await store.list('')).toEqual([]);
      });

      it('lets ifNoneMatch create over an expired value but not ifMatch update it', async () => {
        const { store, advance } = await setUp();
        const old = await store.put('k', 'old', { ttlMs: 10 });
        if (!old.ok) throw new Error('setup failed');
        advance(10);
        expect(await store.put('k', 'x', { ifMatch: old.etag })).toEqual(CONFLICT);
        expect(await store.delete('k', { ifMatch: old.etag })).toEqual(CONFLICT);
        expect((await store.put('k', 'new', { ifNoneMatch: '*' })).ok).toBe(true);
        advance(1_000_000);
        expect((await store.get('k'))?.value).toBe('new');
      });

      it(`lets exactly one of ${RACERS} creators on two instances win over an expired value`, async () => {
        const { store, another, advance } = await setUp();
        const other = await another();
        await store.put('undo:9', 'old', { ttlMs: 10 });
        advance(10);
        const results = await race(RACERS, store, other, (s, i) => s.put('undo:9', i, { ifNoneMatch: '*', ttlMs: 60_000 }));
        const winners = results.flatMap((r, i) => (r.ok ? [{ i, etag: r.etag }] : []));
        expect(winners).toHaveLength(1);
        expect(await other.get('undo:9')).toEqual({ value: winners[0].i, etag: winners[0].etag });
      });

      it('answers an unconditional delete of an expired value with an empty etag', async () => {
        const { store, advance } = await setUp();
        await store.put('k', 1, { ttlMs: 10 });
        advance(10);
        expect(await store.delete('k')).toEqual({ ok: true, etag: '' });
        expect((await store.put('k', 2, { ifNoneMatch: '*' })).ok).toBe(true);
      });

      it('clears the ttl when a write gives none', async () => {
        const { store, advance } = await setUp();
        const first = await store.put('k', 1, { ttlMs: 10 });
        if (!first.ok) throw new Error('setup failed');
        await store.put('k', 2, { ifMatch: first.etag });
        advance(1000);
        expect((await store.get('k'))?.value).toBe(2);
      });

      it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a ttl of %p', async (ttlMs) => {
        const { store } = await setUp();
        await expect(store.put('k', 1, { ttlMs })).rejects.toThrow(RangeError);
        await expect(store.claim('k', ttlMs)).rejects.toThrow(RangeError);
        expect(await store.get('k')).toBeUndefined();
      });
    });

    describe('claim', () => {
      it('is true only for the first claim until the ttl passes', async () => {
        const { store, advance } = await setUp();
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
        const { store } = await setUp();
        await store.put('same', 'value');
        expect(await store.claim('same', 1000)).toBe(true);
        expect(await store.get('same')).toMatchObject({ value: 'value' });
        expect((await store.list('')).map((e) => e.key)).toEqual(['same']);
      });

      it(`is true for exactly one of ${RACERS} claims on two instances, fresh or over an expired claim`, async () => {
        const { store, another, advance } = await setUp();
        const other = await another();
        const fresh = await race(RACERS, store, other, (s) => s.claim('msteams/conv/exchange-1', 60_000));
        expect(fresh.filter(Boolean)).toHaveLength(1);
        advance(60_000);
        const again = await race(RACERS, store, other, (s) => s.claim('msteams/conv/exchange-1', 60_000));
        expect(again.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('list', () => {
      it('matches the prefix literally, wildcards and letter case included', async () => {
        const { store } = await setUp();
        const keys = ['a%b:1', 'a%b:2', 'axb:1', 'a_b:1', 'aXb:1', 'A%b:1', 'a%', 'a%b', 'b'];
        for (const key of keys) await store.put(key, key);
        expect((await store.list('a%b')).map((e) => e.key)).toEqual(['a%b', 'a%b:1', 'a%b:2']);
        expect((await store.list('a_b')).map((e) => e.key)).toEqual(['a_b:1']);
        expect((await store.list('a%b:')).map((e) => e.value)).toEqual(['a%b:1', 'a%b:2']);
        expect(await store.list('zz')).toEqual([]);
        expect(await store.list('')).toHaveLength(keys.length);
      });

      it('orders keys by code point', async () => {
        const { store } = await setUp();
        for (const key of ['b', 'a~', 'a ', 'a%', 'a.', 'a\uffff', 'a😀', 'aé', 'A']) await store.put(key, 1);
        expect((await store.list('')).map((e) => e.key)).toEqual(['A', 'a ', 'a%', 'a.', 'a~', 'aé', 'a\uffff', 'a😀', 'b']);
      });

      it('handles prefixes ending in characters beyond the basic plane', async () => {
        const { store } = await setUp();
        for (const key of ['p😀', 'p😀1', 'p😁', 'p\uffff', 'p\u{10ffff}x', 'q']) await store.put(key, 1);
        expect((await store.list('p😀')).map((e) => e.key)).toEqual(['p😀', 'p😀1']);
        expect((await store.list('p\u{10ffff}')).map((e) => e.key)).toEqual(['p\u{10ffff}x']);
        expect(await store.list('p')).toHaveLength(5);
      });

      it('returns each value with its key and etag', async () => {
        const { store } = await setUp();
        const put = await store.put('pending:1', { by: 'ana' });
        expect(await store.list('pending:')).toEqual([{ key: 'pending:1', value: { by: 'ana' }, etag: put.ok && put.etag }]);
      });

      it('lists a time-ordered index only up to `before`: what is due, nothing after it, nothing expired', async () => {
        const { store, advance } = await setUp();
        const due = (ms: number, id: string) => `open/approval/${String(ms).padStart(13, '0')}/${id}`;
        await store.put(due(START - 5, 'old'), { id: 'old' });
        await store.put(due(START, 'now'), { id: 'now' });
        await store.put(due(START + 1, 'next'), { id: 'next' });
        await store.put(due(START + 60_000, 'later'), { id: 'later' });
        await store.put(due(START - 9, 'gone'), { id: 'gone' }, { ttlMs: 1_000 });
        await store.put('open/approval0', 'outside the prefix');
        const before = `open/approval/${String(START + 1).padStart(13, '0')}`;
        expect((await store.list('open/approval/', { before })).map((e) => e.value)).toEqual([{ id: 'gone' }, { id: 'old' }, { id: 'now' }]);
        advance(1_000);
        expect((await store.list('open/approval/', { before })).map((e) => e.value)).toEqual([{ id: 'old' }, { id: 'now' }]);
        expect(await store.list('open/approval/', { before: 'open/approval/' })).toEqual([]);
        expect(await store.list('open/approval/', { before: 'open/approval/~' })).toHaveLength(4);
      });

      it('applies `before` by code point whatever characters the keys hold', async () => {
        const { store } = await setUp();
        for (const key of ['i/a+', 'i/a%', "i/a'", 'i/a~', 'i/a', 'i/a😀', 'i/b']) await store.put(key, key);
        expect((await store.list('i/', { before: 'i/a+' })).map((e) => e.key)).toEqual(['i/a', 'i/a%', "i/a'"]);
        expect((await store.list('i/', { before: 'i/a~' })).map((e) => e.key)).toEqual(['i/a', 'i/a%', "i/a'", 'i/a+']);
        expect((await store.list('i/a', { before: 'i/b' })).map((e) => e.key)).toEqual(['i/a', 'i/a%', "i/a'", 'i/a+', 'i/a~', 'i/a😀']);
        expect((await store.list('i/', { before: 'h' })).map((e) => e.key)).toEqual([]);
      });
    });

    describe('a new instance over the same storage (a restart)', () => {
      it('keeps values, etags, expiry and claims', async () => {
        const { store, another, advance } = await setUp();
        const kept = await store.put('undo:1', { hash: 'ab' });
        await store.put('short', 1, { ttlMs: 1000 });
        await store.claim('activity-1', 60_000);
        const restarted = await another();
        expect(await restarted.get('undo:1')).toEqual({ value: { hash: 'ab' }, etag: kept.ok && kept.etag });
        expect(await restarted.claim('activity-1', 60_000)).toBe(false);
        expect((await restarted.get('short'))?.value).toBe(1);
        advance(1000);
        expect(await restarted.get('short')).toBeUndefined();
        expect((await restarted.list('')).map((e) => e.key)).toEqual(['undo:1']);
      });
    });
  });
}
